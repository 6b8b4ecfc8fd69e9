"""Names of the groups that carry editorial roles.

The groups and their permissions are created by data migrations
(answers/migrations/0002_roles.py); site admins add people to them.
"""

WRITER_GROUP = "Writer"
REVIEWER_GROUP = "Medical reviewer"
MODERATOR_GROUP = "Moderator"
