"""`manage.py check` reads the screening term list, so a broken list stops a
deploy instead of failing a member's post with a server error."""

from django.core import checks

from community import screening


@checks.register()
def check_term_list(app_configs, **kwargs) -> list[checks.CheckMessage]:
    try:
        screening.lexicon()
    except (screening.TermListError, OSError) as error:
        return [
            checks.Error(
                f"The screening term list cannot be read: {error}",
                hint=(
                    f"Fix {screening.TERMS_FILE} (its header explains the "
                    "format), or restore it from git; posts are screened "
                    "with it."
                ),
                id="community.E001",
            )
        ]
    return []
