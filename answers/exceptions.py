"""Domain errors of the review workflow. Messages are shown to editors as they are."""


class WorkflowError(Exception):
    """A workflow step that cannot happen; the message says why and what to do."""


class InvalidTransition(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    """The user lacks the role or permission for this step."""


class FourEyesViolation(NotAllowed):
    """A reviewer tried to approve or re-certify content they wrote or edited."""


class StaleDraft(WorkflowError):
    """Someone saved a newer draft since this user loaded theirs."""


class ChecksFailed(WorkflowError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "This cannot be approved until these are fixed: " + "; ".join(problems)
        )


class InterchangeError(Exception):
    """An import or export that cannot start; the message says why."""


class CodeRefused(WorkflowError):
    """A code that is not in the current release of its system, or not active
    there. The message names the code, the system and the release."""
