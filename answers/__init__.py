"""The editorial side: what writers draft and medical reviewers approve.

- models/: the catalogue (conditions, codes, criteria), questions with their
  drafts, reviewers with the immutable approved revisions and the audit
  trail, and what delivering pages needs (delivery.py);
- services.py: one function per workflow step, and the one write for
  conditions and reviewers; checks.py: the pre-approval checks;
- publication.py: the hook every service that changes what readers see calls
  itself; versions.py: the public content version it moves (the change
  journal's counter) and its hint in the cache; search_index.py: the search
  index it keeps;
- admin/: the editors' and reviewers' console; interchange/: import and
  export of content files; notifications.py: the mail the workflow sends.

It never imports community or public (pyproject.toml, [tool.importlinter]).
"""
