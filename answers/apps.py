from django.apps import AppConfig


class AnswersConfig(AppConfig):
    name = "answers"
    verbose_name = "Reviewed answers"

    def ready(self) -> None:
        from answers import (
            deploy_checks,  # noqa: F401 - registers its checks
            notifications,
        )
        from diseasemaps.lib import two_factor

        two_factor.login_changed.connect(
            notifications.staff_login_changed,
            dispatch_uid="answers.staff_login_changed",
        )
