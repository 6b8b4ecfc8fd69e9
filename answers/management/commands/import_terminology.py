"""manage.py import_terminology [SOURCE…]: load terminology releases from the
packages pinned in requirements.txt."""

import time

from django.core.management.base import BaseCommand, CommandError

from answers.terminology import loading, sources


class Command(BaseCommand):
    help = (
        "Load the terminology releases that the installed packages ship (GARD, "
        "Orphanet, HPO, ICD-10-CM) into the catalogue. A release already loaded "
        "from the same files is left as it is (nothing is written); a newer "
        "release is loaded beside the old one, becomes the one codes are checked "
        "against, and its report lists the concepts it added, renamed, retired "
        "and replaced. Conditions using a retired or replaced code go into the "
        "'terminology changed' review queue. Sources: " + ", ".join(sources.SOURCES)
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "keys",
            nargs="*",
            metavar="SOURCE",
            help="Sources to load (default: all).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and compare, report, and write nothing.",
        )

    def handle(self, *args, keys: list[str], dry_run: bool, **options) -> None:
        try:
            chosen = list(sources.iter_sources(keys))
        except KeyError as error:
            raise CommandError(error.args[0]) from None
        loaded = 0
        try:
            for source in chosen:
                loaded += self._load(source, dry_run=dry_run).created
        finally:
            # Also when a later source fails: the ones loaded are current.
            if loaded and not dry_run:
                started = time.monotonic()
                loading.announce_changes()
                self.stdout.write(
                    "Search, the A–Z index and the codes on pages now read the new "
                    f"release{'s' if loaded > 1 else ''} "
                    f"({time.monotonic() - started:.1f} s)."
                )
        if dry_run:
            self.stdout.write(
                "Dry run: everything was rolled back; nothing was written."
            )

    def _load(self, source: sources.Source, *, dry_run: bool) -> loading.LoadResult:
        """Read and load one source, with progress, its summary and report."""
        started = time.monotonic()
        self.stdout.write(f"{source.system}: reading {source.package}…")
        try:
            data = source.read()
        except sources.SourceMissing as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{source.system}: release {data.version}, "
            f"{len(data.concepts):,} concepts read."
        )
        last = [-1]

        def progress(stage: str, done: int, total: int) -> None:
            # A line at each quarter of each stage, and at its end.
            percent = 100 * done // total if total else 100
            if percent // 25 != last[0] // 25 or done == total:
                last[0] = percent
                self.stdout.write(f"  {stage}: {done:,} of {total:,} ({percent}%)")

        try:
            # The name index is rebuilt once, after every source (handle).
            result = loading.load(
                source, data, progress=progress, dry_run=dry_run, announce=False
            )
        except loading.ReleaseConflict as error:
            raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        prefix = "Would load" if dry_run and result.created else "Loaded"
        if not result.created:
            prefix = "Unchanged"
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}: {result.summary()} ({seconds:.1f} s)")
        )
        for line in result.report():
            self.stdout.write(line)
        return result
