"""Fill the database with a large generated data set, for load tests."""

import argparse
from dataclasses import replace
from datetime import date
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from answers import name_index
from answers.models import Condition, Question
from answers.publication import public_content_changed
from answers.terminology.sources import SOURCES
from community.models import Experience, Member
from devdata.bulkload import BulkLoader
from devdata.dataset import catalogue
from devdata.dataset.generator import Generator
from devdata.dataset.sizes import (
    EMAIL_DOMAIN,
    MODERATORS,
    PASSWORD,
    WRITERS,
    DatasetError,
    Sizes,
)

DEFAULT_SEED = 20261123


def count(value: str) -> int:
    try:
        number = int(value.replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a whole number.") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{number} is negative; sizes start at 0.")
    return number


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{value}” is not a date; use YYYY-MM-DD."
        ) from None


class Command(BaseCommand):
    help = (
        "Fill an empty database with a large, realistic generated data set for load "
        "tests: real conditions from the terminology catalogue (GARD's, then "
        "Orphanet's: their names, other names and codes; --conditions is capped "
        "at what the catalogue has, and GARD and Orphanet are loaded first if "
        "they are missing), with generated summaries, criteria and reviewed facts "
        "(a few with a change in review), live answers with several "
        "approved revisions and their review trail, search entries, reviewers, "
        "members and their experiences, some answers in review and posts waiting "
        "for moderation. The same --seed, sizes and --today give the same data. "
        "It refuses to run if the database holds conditions, questions, members or "
        "experiences (real or generated) unless --force, which DELETES all of them "
        "first, with the accounts of members and earlier generated accounts. Only "
        "runs with DEBUG=true: every generated account has the password "
        f"“{PASSWORD}”. Logins: writer1…writer{WRITERS}, "
        f"moderator1…moderator{MODERATORS} and reviewer1…reviewerN at /admin/; "
        f"members as member1@{EMAIL_DOMAIN}… at /accounts/login/."
    )

    def add_arguments(self, parser) -> None:
        defaults = Sizes()
        for name, about in [
            ("conditions", "conditions"),
            ("questions", "questions, every one with a live answer"),
            ("members", "members (accounts with a profile)"),
            ("experiences", "published experiences"),
            ("pending", "experiences waiting for a moderator"),
            ("reviewers", "medical reviewers (staff accounts)"),
            ("revisions", "approved revisions per answer"),
        ]:
            default = getattr(defaults, name)
            parser.add_argument(
                f"--{name}",
                type=count,
                default=default,
                help=f"How many {about} (default {default:,}).",
            )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed (default {DEFAULT_SEED}); same seed, same data.",
        )
        parser.add_argument(
            "--today",
            type=day,
            default=None,
            help="The day dates are counted back from, YYYY-MM-DD (default today). "
            "Review due dates are spread around it.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete all conditions, questions, answers, members and "
            "experiences, and earlier generated accounts, before generating.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the options and the database, say what would happen, "
            "change nothing.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "generate_dataset creates accounts with a published password, so it "
                "only runs with DEBUG=true (development and load tests). Nothing was "
                "changed."
            )
        sizes = Sizes(**{name: options[name] for name in Sizes.__dataclass_fields__})
        problems = sizes.problems()
        if problems:
            raise CommandError("\n".join(problems))
        connection = connections[DEFAULT_DB_ALIAS]
        existing = self._existing()
        if existing and not options["force"]:
            raise CommandError(
                f"The database already holds {_amounts(existing)}. generate_dataset "
                "only fills an empty database, so it cannot mix with real content. "
                "Use an empty database, or add --force to DELETE all conditions, "
                "questions, answers, members (with their accounts) and experiences "
                "first."
            )
        started = monotonic()
        shown: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            now = monotonic()
            # One line every few seconds per phase, and when it completes.
            if done < total and now - shown.get(phase, 0) < 3:
                return
            shown[phase] = now
            percent = done * 100 // total if total else 100
            self.stdout.write(
                f"{phase} {done:,}/{total:,} ({percent}%) {now - started:.0f} s"
            )

        sizes = self._real_conditions(sizes, progress, dry_run=options["dry_run"])
        today = options["today"] or timezone.localdate()
        self.stdout.write(
            f"Generating into {connection.vendor} database "
            f"“{connection.settings_dict['NAME']}” (seed {options['seed']}, dates "
            f"up to {today}): {sizes.conditions:,} conditions, "
            f"{sizes.questions:,} questions × {sizes.revisions} revisions, "
            f"{sizes.members:,} members, {sizes.experiences:,} experiences, "
            f"{sizes.pending:,} pending, {sizes.reviewers:,} reviewers."
        )
        if options["dry_run"]:
            if existing:
                self.stdout.write(f"--force would first delete {_amounts(existing)}.")
            self.stdout.write("Dry run: nothing was changed.")
            return

        loader = BulkLoader(connection)
        try:
            with transaction.atomic():
                if existing:
                    self.stdout.write(
                        self.style.WARNING(f"--force: deleting {_amounts(existing)}.")
                    )
                Generator(
                    sizes=sizes,
                    seed=options["seed"],
                    today=today,
                    loader=loader,
                    progress=progress,
                ).run(replace=bool(existing))
                # Cached pages and ETags must not outlive the old content.
                public_content_changed()
                # Rows written in bulk skip the hook's per-condition refresh
                # of the names search and the A–Z read: the whole index is
                # built again, once (answers.publication says so too).
                names = name_index.rebuild()
                progress(f"condition-name index ({names:,} names)", 1, 1)
        except DatasetError as error:
            raise CommandError(str(error)) from error
        progress("committed", 1, 1)
        loader.analyze(loader.written)
        progress("analyzed", 1, 1)
        for model, rows in loader.written.items():
            self.stdout.write(f"  {model._meta.db_table}: {rows:,} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {monotonic() - started:.0f} s. Log in at /admin/ as "
                f"reviewer1 or writer1, or at /accounts/login/ as "
                f"member1@{EMAIL_DOMAIN}; the password is “{PASSWORD}”."
            )
        )

    def _real_conditions(self, sizes: Sizes, progress, *, dry_run: bool) -> Sizes:
        """Make sure the catalogue the conditions come from is loaded (a dry
        run only says it would load it, and counts from the packages), and
        cap --conditions at what it has: a generated condition is a real one
        or none at all, never a made-up name or a copy with a number."""
        missing = catalogue.missing()
        if missing:
            systems = " and ".join(SOURCES[key].system for key in missing)
            command = f"manage.py import_terminology {' '.join(missing)}"
            if dry_run:
                self.stdout.write(
                    f"The terminology catalogue has no {systems}: a real run "
                    f"loads them first, as `{command}` does."
                )
            else:
                self.stdout.write(
                    f"The terminology catalogue has no {systems}: loading them "
                    f"first, as `{command}` does (they stay loaded)."
                )
                for result in catalogue.load_missing(progress):
                    self.stdout.write(f"Loaded: {result.summary()}")
                missing = []
        available = catalogue.read(packaged=missing)
        count = len(available.conditions)
        if not count:
            raise CommandError(
                "The terminology catalogue names no conditions to generate: "
                "run `manage.py import_terminology gard orphanet`."
            )
        if sizes.conditions <= count:
            return sizes
        self.stdout.write(
            self.style.WARNING(
                f"The terminology catalogue ({available.describe()}) names "
                f"{count:,} conditions: generating {count:,}, not "
                f"{sizes.conditions:,}."
            )
        )
        sizes = replace(sizes, conditions=count)
        problems = sizes.problems()
        if problems:
            raise CommandError("\n".join(problems))
        return sizes

    def _existing(self) -> dict[tuple[str, str], int]:
        """What the generator would collide with or mix with: any content at all,
        and accounts an earlier run generated."""
        counts = {
            ("condition", "conditions"): Condition.objects.count(),
            ("question", "questions"): Question.objects.count(),
            ("member", "members"): Member.objects.count(),
            ("experience", "experiences"): Experience.objects.count(),
            ("generated account", "generated accounts"): get_user_model()
            .objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
            .count(),
        }
        return {what: number for what, number in counts.items() if number}


def _amounts(counts: dict[tuple[str, str], int]) -> str:
    """ "1 condition, 2,000 members": what is in the way, in words."""
    return ", ".join(
        f"{number:,} {one if number == 1 else many}"
        for (one, many), number in counts.items()
    )
