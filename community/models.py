# Members, experiences, reports and moderation arrive with the community issue.
