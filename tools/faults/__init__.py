"""`make faults`: break the database, the cache and the mail server on loopback,
race reviewers, moderators and double-submitted forms, and print what readers
and members saw. Never part of `make test`; see README.md, "Reliability"."""
