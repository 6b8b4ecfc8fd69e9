"""The editors' and reviewers' console.

Workflow buttons lead to small confirmation pages (submit, review, unpublish,
roll back); each page calls one function in `answers.services`, which also
enforces the permission and four-eyes rules. The admin never changes workflow
state itself.

One module per screen, so that the file name says where a page lives:

- `conditions`: conditions, with their codes and diagnostic criteria.
- `reviewers`: the reviewers' profiles and credentials.
- `questions`: the question list and change form (draft answer, references),
  its save path and the "submit selected" action.
- `workflow`: the pages a question's change form links to (review, submit,
  unpublish, approved revisions, restore from History), mixed into
  `QuestionAdmin`.
- `feedback`: the reader feedback queue and each report's work page.
- `records`: the read-only audit trail (approved revisions, workflow steps).
- `crisis`: crisis contacts (helplines shown on the support page), their
  edit form and review page (approve, withdraw).
- `terminology`: the terminology catalogue, read-only (sources, releases,
  concepts), where the condition form's code picker searches and writers
  start a condition from a concept.

Django's autodiscovery imports this package; importing the modules here runs
their `@admin.register`.
"""

from answers.admin.conditions import ConditionAdmin
from answers.admin.crisis import CrisisContactAdmin
from answers.admin.feedback import FeedbackAdmin
from answers.admin.questions import QuestionAdmin
from answers.admin.records import AnswerRevisionAdmin, ReviewEventAdmin
from answers.admin.reviewers import ReviewerAdmin
from answers.admin.terminology import (
    ConceptAdmin,
    TerminologyReleaseAdmin,
    TerminologySourceAdmin,
)

__all__ = [
    "AnswerRevisionAdmin",
    "ConceptAdmin",
    "ConditionAdmin",
    "CrisisContactAdmin",
    "FeedbackAdmin",
    "QuestionAdmin",
    "ReviewEventAdmin",
    "ReviewerAdmin",
    "TerminologyReleaseAdmin",
    "TerminologySourceAdmin",
]
