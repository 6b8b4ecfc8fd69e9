"""Rebuild the search index from the live answers, and the condition-name
index from the published conditions and the terminology catalogue."""

from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from answers import name_index, search_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index: one entry for every live answer (the approved "
        "revision the public sees, with its condition's names, acronym and "
        "synonyms), none for drafts, answers in review or unpublished answers. "
        "Then rebuild the condition-name index that search and the A–Z read: "
        "every approved name of every published condition, the catalogue names "
        "of the concepts its approved codes point at, every other GARD and "
        "Orphanet condition, and HPO's names for the signs Orphanet records. "
        "Publishing and import_terminology keep both up to date by themselves; "
        "run this once after migrating an existing database, or if an index is "
        "ever in doubt. Safe to run at any time: readers keep finding answers "
        "while it works."
    )

    def handle(self, *args, **options) -> None:
        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int) -> None:
            if verbosity >= 1:
                self.stdout.write(f"Indexed {done} of {total} live answers")

        written, removed = search_index.rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt: {written} live answer{pluralize(written)} "
                f"indexed, {removed} stale entr{pluralize(removed, 'y,ies')} removed."
            )
        )
        names = name_index.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Condition-name index rebuilt: {names:,} name{pluralize(names)}."
            )
        )
