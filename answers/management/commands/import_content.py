"""Import conditions and question drafts from content files."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize

from answers import interchange
from answers.exceptions import NotAllowed, StaleDraft


class Command(BaseCommand):
    help = (
        "Import conditions and questions from Markdown content files "
        "(docs/content-format.md). PATH is a file or a folder, searched for *.md; "
        "condition.md files are conditions, every other file is a question. "
        "Questions become drafts only: nothing is submitted or published, and a "
        "live answer stays live until a reviewer approves the new draft. "
        "All or nothing: every file is checked first, and if any file has a "
        "problem, all problems are listed and nothing is imported. Idempotent: a "
        "file that matches the database changes nothing, so importing the same "
        "files twice is safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            type=Path,
            metavar="PATH",
            help="Content files or folders.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Who is importing (required): the audit trail and History name "
            "them, and they need the writer's permissions.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and report what would be created or updated, then save "
            "nothing.",
        )

    def handle(
        self, *args, paths: list[Path], user: str | None, dry_run: bool, **options
    ) -> None:
        importer = self._user(user)
        batch = interchange.load_batch(paths)
        if batch.problems:
            for problem in batch.problems:
                self.stderr.write(str(problem))
            files = sum(1 for label in batch.failed_labels if label in batch.labels)
            unreadable = len(batch.failed_labels) - files
            counts = [
                f"{files} {'file has' if files == 1 else 'files have'} problems"
                if files
                else "",
                f"{unreadable} path{pluralize(unreadable)} could not be read"
                if unreadable
                else "",
            ]
            raise CommandError(
                f"{' and '.join(filter(None, counts))} (listed above); nothing was "
                "imported."
            )
        verbosity = options.get("verbosity", 1)

        def progress(
            index: int, total: int, file: interchange.ContentFile, outcome: str
        ) -> None:
            if verbosity >= 1:
                self.stdout.write(f"[{index}/{total}] {file.label}: {outcome}")

        try:
            report = interchange.apply_batch(
                batch, user=importer, dry_run=dry_run, progress=progress
            )
        except (NotAllowed, interchange.ImportFailed) as failed:
            error = getattr(failed, "error", failed)
            if isinstance(error, NotAllowed):
                raise CommandError(
                    f"User '{importer.get_username()}' may not import content: "
                    f"{error} Nothing was imported."
                ) from failed
            hint = (
                " Someone saved it while the import ran; run the import again."
                if isinstance(error, StaleDraft)
                else ""
            )
            raise CommandError(f"{failed}{hint} Nothing was imported.") from failed
        self.stdout.write(self.style.SUCCESS(report.summary))

    def _user(self, username: str | None) -> AbstractBaseUser:
        if not username:
            raise CommandError(
                "Say who is importing with --user USERNAME: drafts and their "
                "history are recorded in that user's name."
            )
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(
                f"There is no user '{username}'; nothing was imported."
            ) from None
