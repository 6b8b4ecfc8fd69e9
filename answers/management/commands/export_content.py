"""Export conditions and question drafts as content files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize

from answers import interchange


class Command(BaseCommand):
    help = (
        "Write conditions and their questions to DIR as Markdown content files "
        "(docs/content-format.md), one folder per condition. Questions are "
        "written as their current draft, the text editors work on, which may be "
        "newer than the live answer. Importing the files unchanged changes "
        "nothing. Refuses a folder that is not empty unless --force, which "
        "overwrites files of the same name and leaves other files alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument(
            "--condition",
            action="append",
            dest="conditions",
            metavar="SLUG",
            help="Export only this condition (repeat for several; default: all).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write into a folder that is not empty.",
        )

    def handle(
        self,
        *args,
        directory: Path,
        conditions: list[str] | None,
        force: bool,
        **options,
    ) -> None:
        verbosity = options.get("verbosity", 1)

        def progress(path: Path) -> None:
            if verbosity >= 1:
                self.stdout.write(path.relative_to(directory).as_posix())

        try:
            written = interchange.export_content(
                directory, conditions=conditions, force=force, progress=progress
            )
        except interchange.InterchangeError as exc:
            raise CommandError(str(exc)) from exc
        folders = len({path.parent for path in written})
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(written)} file{pluralize(len(written))} for {folders} "
                f"condition{pluralize(folders)} to {directory} (current drafts)."
            )
        )
