"""The editorial content model, by concept:

- catalogue.py: conditions with their codes and diagnostic criteria sets;
- questions.py: questions with their draft answers and references, the
  workflow states, and `Question.objects.published()`, the one definition of
  what the public may see;
- review.py: reviewers, immutable approved revisions and the append-only
  audit trail;
- terminology.py: the terminology catalogue (sources, releases, concepts,
  their names and cross-references, release changes and the alerts they
  raise on conditions);
- feedback.py: readers' reports of problems with answers, their audit
  trail, and the anonymous "did this answer your question?" votes;
- crisis.py: crisis contacts (helplines), reviewed like answers: drafts,
  approved revisions and their audit trail;
- delivery.py: what serving public pages needs (the content version, page
  stamps, stored pages, the search index, the condition-name index).

The public sees only `AnswerRevision`s that a medical reviewer approved; every
workflow step goes through `answers.services`. Everything is importable from
`answers.models`, as Django and migrations expect.
"""

from answers.models.catalogue import (
    Condition,
    ConditionCode,
    ConditionQuerySet,
    CriteriaGroup,
    CriteriaSet,
    criteria_as_text,
    non_blank_lines,
)
from answers.models.choices import QuestionKind, Topic
from answers.models.crisis import (
    CONTACT_FIELDS,
    CrisisContact,
    CrisisContactEvent,
    CrisisContactQuerySet,
    CrisisContactRevision,
)
from answers.models.delivery import (
    ConditionName,
    IndexedNameKind,
    PageStamp,
    PublicVersion,
    Redirect,
    SearchEntry,
    StoredPage,
)
from answers.models.feedback import (
    OPEN_STATES,
    Feedback,
    FeedbackEvent,
    FeedbackKind,
    FeedbackState,
    HelpfulVote,
)
from answers.models.questions import (
    DRAFT_FIELDS,
    RESERVED_QUESTION_SLUGS,
    Question,
    QuestionQuerySet,
    Reference,
    not_reserved,
)
from answers.models.review import (
    READER_CONTENT,
    AnswerRevision,
    AppendOnlyModel,
    ApprovedRevision,
    ConditionRevision,
    ImmutableRecord,
    Reviewer,
    ReviewEvent,
)
from answers.models.terminology import (
    Change,
    Concept,
    ConceptFeature,
    ConceptName,
    ConceptStatus,
    ConceptXref,
    Mapping,
    NameKind,
    ReleaseChange,
    TerminologyAlert,
    TerminologyRelease,
    TerminologySource,
)
from answers.models.workflow import (
    ALLOWED_TRANSITIONS,
    ReviewedContent,
    ReviewedQuerySet,
    Status,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CONTACT_FIELDS",
    "DRAFT_FIELDS",
    "OPEN_STATES",
    "READER_CONTENT",
    "RESERVED_QUESTION_SLUGS",
    "AnswerRevision",
    "AppendOnlyModel",
    "ApprovedRevision",
    "Change",
    "Concept",
    "ConceptFeature",
    "ConceptName",
    "ConceptStatus",
    "ConceptXref",
    "Condition",
    "ConditionCode",
    "ConditionName",
    "ConditionQuerySet",
    "ConditionRevision",
    "CrisisContact",
    "CrisisContactEvent",
    "CrisisContactQuerySet",
    "CrisisContactRevision",
    "CriteriaGroup",
    "CriteriaSet",
    "Feedback",
    "FeedbackEvent",
    "FeedbackKind",
    "FeedbackState",
    "HelpfulVote",
    "ImmutableRecord",
    "IndexedNameKind",
    "Mapping",
    "NameKind",
    "PageStamp",
    "PublicVersion",
    "Question",
    "QuestionKind",
    "QuestionQuerySet",
    "Redirect",
    "Reference",
    "ReleaseChange",
    "ReviewEvent",
    "ReviewedContent",
    "ReviewedQuerySet",
    "Reviewer",
    "SearchEntry",
    "Status",
    "StoredPage",
    "TerminologyAlert",
    "TerminologyRelease",
    "TerminologySource",
    "Topic",
    "criteria_as_text",
    "non_blank_lines",
    "not_reserved",
]
