"""Search over live content. (Index maintenance and queries arrive with the
search work; `refresh` is called by answers.publication on every change.)"""

from answers.models import Condition, Question


def refresh(*, questions: list[Question], conditions: list[Condition]) -> None:
    """Bring the search index up to date for these questions and conditions."""
