"""Render and store the public pages that have no current stored copy."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from public import pages


class Command(BaseCommand):
    help = (
        "Render every condition page and live answer page that has no current "
        "stored copy, as its first anonymous reader would, and store it "
        "(public/pages.py). Pages are rendered when first read anyway; run "
        "this after a deploy (a new RELEASE makes every stored page stale) or a "
        "bulk load, so that no reader waits for a render. Safe to run at any "
        "time, also while the site serves readers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--paths",
            type=Path,
            help="A file with one page path per line (/conditions/…/): render "
            "only those.",
        )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        if options["paths"]:
            try:
                text = options["paths"].read_text()
            except OSError as exc:
                raise CommandError(
                    f"Cannot read {options['paths']}: {exc.strerror}. Give a file "
                    "with one page path per line."
                ) from exc
            wanted = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            wanted = list(pages.public_paths())
        current = pages.current_paths()
        todo = [path for path in dict.fromkeys(wanted) if path not in current]
        if verbosity >= 1:
            self.stdout.write(
                f"{len(wanted):,} pages, {len(wanted) - len(todo):,} already "
                f"current: rendering {len(todo):,}"
            )
        started = last = time.monotonic()
        statuses: dict[int, int] = {}
        for done, path in enumerate(todo, start=1):
            status = pages.render_path(path)
            statuses[status] = statuses.get(status, 0) + 1
            now = time.monotonic()
            if verbosity >= 1 and (now - last >= 5 or done == len(todo)):
                last = now
                self.stdout.write(
                    f"rendered {done:,}/{len(todo):,} "
                    f"({100 * done // max(1, len(todo))}%) {now - started:.0f} s"
                )
        rendered = statuses.get(200, 0)
        missing = len(todo) - rendered
        self.stdout.write(
            self.style.SUCCESS(
                f"Rendered {rendered:,} page{pluralize(rendered)} in "
                f"{time.monotonic() - started:.0f} s"
                + (
                    f"; {missing:,} path{pluralize(missing)} "
                    f"{pluralize(missing, 'is,are')} no live page"
                    if missing
                    else "."
                )
            )
        )
