"""Every change to members, experiences, reports and moderation, one function each.

Views, admin actions and management commands call these. Each checks who may
act, runs in a transaction (locking the post where two people could act at
once), records moderation in `ModerationEvent` and queues mail in the same
transaction (sent after commit, retried if the mail server is down).

The functions live in one module per concern, and are all importable from
here (`from community import services`):

- `members`: the profile made at sign-up, consent, the conditions a member
  relates to, and whether their posts skip the moderation queue.
- `posts`: what members do with their posts: share, edit, delete, report,
  ask for a review of a post that reports hid; the limits on a post's length
  and on how often a person posts and reports; who counts as a reporter with
  a record.
- `moderation`: moderators' decisions on posts, each recorded as a
  `ModerationEvent`.
- `medical_review`: harmful advice a moderator sends to a medical reviewer,
  and the reviewer's decisions (publish with a note, ask for an edit, hide).
- `redaction`: a moderator removes identifying details instead of rejecting
  a post; the author accepts, rewrites or deletes it, and the original is
  erased when that is over.
- `data_rights`: the download of everything we hold about a person,
  withdrawal of consent, and account deletion.

Imports run one way: `posts` uses `members`, `moderation` and
`medical_review` (which uses `moderation`), `redaction` uses `moderation`
and `posts`, `data_rights` uses `members`; `members` and `moderation` use
no other service module.
A test that patches a name must patch the module that looks it up (a rate
limit in `community.services.posts`), not this package.
"""

from community.services.data_rights import (
    REPORT_OF_FORMER_MEMBER,
    STAFF_ACCOUNT_CLOSED_BY_ADMIN,
    delete_account,
    export_member_data,
    withdraw_consent,
)
from community.services.medical_review import (
    ask_author_for_edit,
    hide_for_author,
    publish_with_note,
    review_token,
    send_to_medical_reviewer,
)
from community.services.members import (
    TRUSTED_AFTER_APPROVED_POSTS,
    create_member,
    give_consent,
    is_trusted,
    member_for,
    pseudonym_taken,
    remove_relation,
    set_relation,
    update_profile,
)
from community.services.moderation import (
    approve_experience,
    decide_edit,
    dismiss_reports,
    hide_experience,
    mark_reviewed,
    remove_experience,
)
from community.services.posts import (
    AUTO_HIDE_PER_AUTHOR,
    BODY_MAX,
    BODY_MIN,
    HIDE_AFTER_REPORTS,
    POST_LIMIT,
    RECORD_MIN_ACCOUNT_AGE,
    RECORD_MIN_PUBLISHED_POSTS,
    RECORD_MIN_UPHELD_REPORTS,
    REPORT_DAILY_LIMIT,
    REPORT_LIMIT,
    REPORTS_PER_AUTHOR_WITHOUT_RECORD,
    REPORTS_PER_POST_WITHOUT_RECORD,
    ask_for_review,
    can_ask_for_review,
    delete_experience,
    edit_experience,
    post_experience,
    report_experience,
    reporter_record,
)
from community.services.redaction import (
    KEEP_ORIGINAL_FOR,
    accept_redaction,
    erase_unanswered_originals,
    redact_experience,
)

__all__ = [
    "AUTO_HIDE_PER_AUTHOR",
    "BODY_MAX",
    "BODY_MIN",
    "HIDE_AFTER_REPORTS",
    "KEEP_ORIGINAL_FOR",
    "POST_LIMIT",
    "RECORD_MIN_ACCOUNT_AGE",
    "RECORD_MIN_PUBLISHED_POSTS",
    "RECORD_MIN_UPHELD_REPORTS",
    "REPORTS_PER_AUTHOR_WITHOUT_RECORD",
    "REPORTS_PER_POST_WITHOUT_RECORD",
    "REPORT_DAILY_LIMIT",
    "REPORT_LIMIT",
    "REPORT_OF_FORMER_MEMBER",
    "STAFF_ACCOUNT_CLOSED_BY_ADMIN",
    "TRUSTED_AFTER_APPROVED_POSTS",
    "accept_redaction",
    "approve_experience",
    "ask_author_for_edit",
    "ask_for_review",
    "can_ask_for_review",
    "create_member",
    "decide_edit",
    "delete_account",
    "delete_experience",
    "dismiss_reports",
    "edit_experience",
    "erase_unanswered_originals",
    "export_member_data",
    "give_consent",
    "hide_experience",
    "hide_for_author",
    "is_trusted",
    "mark_reviewed",
    "member_for",
    "post_experience",
    "pseudonym_taken",
    "publish_with_note",
    "redact_experience",
    "remove_experience",
    "remove_relation",
    "report_experience",
    "reporter_record",
    "review_token",
    "send_to_medical_reviewer",
    "set_relation",
    "update_profile",
    "withdraw_consent",
]
