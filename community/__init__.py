"""The community: members (pseudonyms, consent, the conditions they relate
to), their posts, reports and moderation, and members' data rights (export,
withdrawal of consent, deletion), with the member accounts (allauth) and the
pages members use (/me/, sharing, reporting, the experiences list).

Rules live in services/ (members, posts, moderation, data_rights); it reads
the editorial side (answers) and never the public one.
"""
