"""`manage.py check --deploy` warnings about crisis contacts (issue 18).

A member in crisis is shown the approved crisis contacts: a production site
with none names no service, and one whose live contacts are still marked as
needing a check (the demo list, say) may send someone to a wrong number.
Registered by AnswersConfig.ready.
"""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database, deploy=True)
def check_crisis_contacts(app_configs=None, **kwargs) -> list[Warning]:
    from answers.models import CrisisContact

    live = CrisisContact.objects.published()
    try:
        shown = live.count()
        unchecked = list(
            live.filter(live_revision__needs_check=True).values_list(
                "live_revision__service", "live_revision__country"
            )
        )
    except DatabaseError:
        # `check` runs before any database exists, or without reaching it:
        # nothing to count then.
        return []
    warnings = []
    if not shown:
        warnings.append(
            Warning(
                "No crisis contact is approved: members whose post sounds like a "
                "crisis are shown no service to call.",
                hint="Enter the crisis contacts of the countries you serve, and a "
                "general one, in the admin (Reviewed answers › Crisis contacts) "
                "and have a medical reviewer approve them.",
                id="answers.W001",
            )
        )
    if unchecked:
        names = ", ".join(
            f"{service} ({country or 'general'})" for service, country in unchecked
        )
        warnings.append(
            Warning(
                f"{len(unchecked)} approved crisis contact(s) are still marked as "
                f"needing a check before production: {names}.",
                hint="Check each against its source, untick “needs check”, set "
                "“last checked” and have a medical reviewer approve the new "
                "version (or withdraw it).",
                id="answers.W002",
            )
        )
    return warnings
