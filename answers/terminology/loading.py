"""Load a release of a terminology source into the catalogue.

`load` writes a release beside the ones already there, in one transaction:
its concepts, their other names and cross-references; then, when the source
had a current release, the report of what changed (`ReleaseChange`), the
switch of the current release, and a `TerminologyAlert` for each condition
whose codes the new release retired or replaced. Loading the same files again
writes nothing: a release is known by its version and the digest of its files.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from answers import publication
from answers.models import (
    Change,
    Concept,
    ConceptFeature,
    ConceptName,
    ConceptStatus,
    ConceptXref,
    Condition,
    ConditionCode,
    ConditionRevision,
    ReleaseChange,
    TerminologyAlert,
    TerminologyRelease,
    TerminologySource,
)
from answers.terminology.sources import ReleaseData, Source

BATCH = 2_000
# How many concepts of each kind of change the report names; the counts
# cover them all, and the admin lists every `ReleaseChange`.
EXAMPLES = 5

Progress = Callable[[str, int, int], None]


class ReleaseConflict(Exception):
    """A release with this version is loaded already, from other files."""


@dataclass
class LoadResult:
    source: str
    version: str
    created: bool
    concepts: int = 0
    names: int = 0
    xrefs: int = 0
    previous: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    # The first few changes of each kind, as lines of the report.
    examples: dict[str, list[str]] = field(default_factory=dict)
    alerts: int = 0
    # (condition name, explanation), one per alert written.
    queued: list[tuple[str, str]] = field(default_factory=list)
    # Loaded with dry_run: all of the above was rolled back.
    dry_run: bool = False

    def summary(self) -> str:
        if not self.created:
            return f"{self.source} {self.version}: already loaded; nothing written."
        text = (
            f"{self.source} {self.version}: {self.concepts:,} concepts, "
            f"{self.names:,} other names, {self.xrefs:,} cross-references"
        )
        if self.previous:
            changes = ", ".join(
                f"{self.counts.get(change, 0):,} {change}" for change in Change.values
            )
            text += f"; against {self.previous}: {changes}"
            conditions = len({name for name, _ in self.queued})
            text += (
                f"; {conditions} condition{'' if conditions == 1 else 's'} "
                f"{'would be ' if self.dry_run else ''}queued for review"
            )
        return text + "."

    def report(self) -> list[str]:
        """What a newer release changed, for the person who loaded it: each
        kind of change with its count and first few concepts, then the
        conditions put in the "terminology changed" queue and why. Empty for
        a first release (nothing to compare with) or one loaded already."""
        if not (self.created and self.previous):
            return []
        lines = [f"Changes in {self.source} {self.version} against {self.previous}:"]
        for change in Change.values:
            count = self.counts.get(change, 0)
            lines.append(f"  {change}: {count:,}")
            examples = self.examples.get(change, [])
            lines += [f"    {example}" for example in examples]
            if count > len(examples):
                lines.append(f"    … and {count - len(examples):,} more")
        if self.queued:
            lines.append(
                "Conditions that would be queued for review:"
                if self.dry_run
                else "Conditions queued for review (admin: Conditions, "
                "“Terminology changed”):"
            )
            lines += [f"  {name}: {explanation}" for name, explanation in self.queued]
        else:
            lines.append("No condition uses a code this release retired or replaced.")
        return lines


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sync_source(source: Source) -> TerminologySource:
    """The source's row, written only when its description changed."""
    row, created = TerminologySource.objects.get_or_create(
        key=source.key, defaults=source.row()
    )
    if not created:
        changed = {
            name: value
            for name, value in source.row().items()
            if getattr(row, name) != value
        }
        if changed:
            for name, value in changed.items():
                setattr(row, name, value)
            row.save(update_fields=list(changed))
    return row


def load(
    source: Source,
    data: ReleaseData,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    announce: bool = True,
) -> LoadResult:
    """Load `data` as a release of `source` (see the module docstring). With
    `dry_run`, everything is done and reported, then rolled back: no row,
    not even the source's description, is left written. With `announce`
    False, the caller calls `announce_changes()` once after several loads
    (rebuilding the name index takes seconds: once is enough)."""
    with transaction.atomic():
        row = sync_source(source)
        existing = TerminologyRelease.objects.filter(
            source=row, version=data.version
        ).first()
        if existing is not None:
            if existing.digest != data.digest:
                raise ReleaseConflict(
                    f"{row.system} release {data.version} is loaded already, from "
                    f"other files (digest {existing.digest[:12]}…, now "
                    f"{data.digest[:12]}…). A changed release needs a new version."
                )
            result = LoadResult(source=row.system, version=data.version, created=False)
        else:
            result = _write(row, data, progress)
        if result.created and announce and not dry_run:
            # Only then: loading a release again must write nothing at all.
            announce_changes()
        if dry_run:
            result.dry_run = True
            transaction.set_rollback(True)
        return result


def announce_changes() -> None:
    """Search, the A–Z and the codes on pages read the new releases now."""
    publication.catalogue_changed()


def _write(
    row: TerminologySource, data: ReleaseData, progress: Progress | None
) -> LoadResult:
    previous = TerminologyRelease.objects.filter(source=row, is_current=True).first()
    release = TerminologyRelease.objects.create(
        source=row,
        version=data.version,
        released_on=data.released_on,
        package=data.package,
        digest=data.digest,
    )
    records = data.concepts
    total = len(records)
    concepts: list[Concept] = []
    for batch in _batches(records):
        concepts += Concept.objects.bulk_create(
            Concept(
                release=release,
                code=record.code,
                name=record.name[:500],
                status=record.status,
                replaced_by=record.replaced_by,
                kind=record.kind,
                categories=record.categories,
            )
            for record in batch
        )
        if progress:
            progress("concepts", len(concepts), total)
    names = [
        ConceptName(concept=concept, name=name[:500], kind=kind)
        for concept, record in zip(concepts, records, strict=True)
        for name, kind in record.names
    ]
    for done, batch in enumerate(_batches(names), start=1):
        ConceptName.objects.bulk_create(batch)
        if progress:
            progress("other names", min(done * BATCH, len(names)), len(names))
    xrefs = [
        ConceptXref(concept=concept, system=system, code=code, mapping=mapping)
        for concept, record in zip(concepts, records, strict=True)
        for system, code, mapping in record.xrefs
    ]
    for done, batch in enumerate(_batches(xrefs), start=1):
        ConceptXref.objects.bulk_create(batch)
        if progress:
            progress("cross-references", min(done * BATCH, len(xrefs)), len(xrefs))

    features = [
        ConceptFeature(concept=concept, phenotype=phenotype, frequency=frequency)
        for concept, record in zip(concepts, records, strict=True)
        for phenotype, frequency in record.features
    ]
    for done, batch in enumerate(_batches(features), start=1):
        ConceptFeature.objects.bulk_create(batch)
        if progress:
            progress("phenotypes", min(done * BATCH, len(features)), len(features))

    result = LoadResult(
        source=row.system,
        version=data.version,
        created=True,
        concepts=len(concepts),
        names=len(names),
        xrefs=len(xrefs),
    )
    if previous is not None:
        result.previous = previous.version
        result.counts, result.examples = _report(previous, release, data)
    release.concept_count = len(concepts)
    release.name_count = len(names)
    release.report = {
        "previous": result.previous,
        "counts": result.counts,
        "examples": result.examples,
    }
    release.save(update_fields=["concept_count", "name_count", "report"])
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    release.is_current = True
    release.save(update_fields=["is_current"])
    _repoint_codes(row, release)
    if previous is not None:
        alerts = raise_alerts(release)
        result.alerts = len(alerts)
        names = dict(
            Condition.objects.filter(
                pk__in={alert.condition_id for alert in alerts}
            ).values_list("pk", "name")
        )
        result.queued = sorted(
            (names[alert.condition_id], alert.explanation) for alert in alerts
        )
    return result


def _report(
    previous: TerminologyRelease, release: TerminologyRelease, data: ReleaseData
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Write what `release` changed against `previous` as `ReleaseChange`
    rows; return the count of each kind of change and the first few of each,
    in code order, as lines for the report."""
    before = {
        code: (name, status)
        for code, name, status in previous.concepts.values_list(
            "code", "name", "status"
        )
    }
    changes: list[ReleaseChange] = []
    seen = set()
    for record in data.concepts:
        seen.add(record.code)
        old = before.get(record.code)
        was_active = old is not None and old[1] == ConceptStatus.ACTIVE
        if old is None or (not was_active and record.status == ConceptStatus.ACTIVE):
            changes.append(
                ReleaseChange(
                    release=release,
                    code=record.code,
                    change=Change.ADDED,
                    new_name=record.name,
                )
            )
            continue
        if was_active and record.status == ConceptStatus.REPLACED:
            kind = Change.REPLACED
        elif was_active and record.status == ConceptStatus.RETIRED:
            kind = Change.RETIRED
        elif old[0] != record.name:
            kind = Change.RENAMED
        else:
            continue
        changes.append(
            ReleaseChange(
                release=release,
                code=record.code,
                change=kind,
                old_name=old[0],
                new_name=record.name,
                replaced_by=record.replaced_by if kind == Change.REPLACED else "",
            )
        )
    # A code that is simply gone from the new release is retired too.
    changes += [
        ReleaseChange(release=release, code=code, change=Change.RETIRED, old_name=name)
        for code, (name, status) in before.items()
        if code not in seen and status == ConceptStatus.ACTIVE
    ]
    ReleaseChange.objects.bulk_create(changes, batch_size=BATCH)
    counts = dict.fromkeys(Change.values, 0)
    examples: dict[str, list[str]] = {kind: [] for kind in Change.values}
    for change in sorted(changes, key=lambda change: change.code):
        counts[change.change] += 1
        if len(examples[change.change]) < EXAMPLES:
            examples[change.change].append(describe(release.source, change))
    return counts, examples


def describe(source: TerminologySource, change: ReleaseChange) -> str:
    """One change as the report shows it: the code as its source writes it,
    and the names before and after."""
    label = source.label(change.code)
    if change.change == Change.ADDED:
        return f"{label} {change.new_name}"
    if change.change == Change.RENAMED:
        return f"{label} “{change.old_name}” → “{change.new_name}”"
    if change.change == Change.REPLACED:
        return f"{label} {change.old_name} → {source.label(change.replaced_by)}"
    return f"{label} {change.old_name}"


def _repoint_codes(row: TerminologySource, release: TerminologyRelease) -> None:
    """Point conditions' codes at the new release's concepts (same system and
    code), so the admin shows the current name; codes the release dropped
    keep their old concept until a writer picks another."""
    current = dict(
        release.concepts.filter(
            code__in=ConditionCode.objects.filter(system=row.system).values("code")
        ).values_list("code", "pk")
    )
    # In batches, not a query per code: a generated data set has a GARD code
    # on each of thousands of conditions.
    changed = []
    for code in ConditionCode.objects.filter(system=row.system).only(
        "pk", "code", "concept_id"
    ):
        concept_id = current.get(code.code)
        if concept_id is not None and code.concept_id != concept_id:
            code.concept_id = concept_id
            changed.append(code)
    ConditionCode.objects.bulk_update(changed, ["concept"], batch_size=BATCH)


def raise_alerts(release: TerminologyRelease) -> list[TerminologyAlert]:
    """Put each condition that uses a code this release retired or replaced
    (in its draft or in its approved facts) in the "terminology changed"
    queue, with the change explained. Returns the alerts written: none for a
    condition already alerted to the same change by this release."""
    system = release.source.system
    changes = {
        change.code: change
        for change in release.changes.filter(
            change__in=[Change.RETIRED, Change.REPLACED]
        )
    }
    if not changes:
        return []
    names = dict(
        release.concepts.filter(
            code__in=[c.replaced_by for c in changes.values() if c.replaced_by]
        ).values_list("code", "name")
    )
    affected: dict[int, set[str]] = {}
    for condition_id, code in ConditionCode.objects.filter(
        system=system, code__in=changes
    ).values_list("condition_id", "code"):
        affected.setdefault(condition_id, set()).add(code)
    # What readers see: the codes of each live revision. Only that column is
    # read, not the revisions' text, so thousands of conditions cost little.
    live = ConditionRevision.objects.filter(
        pk__in=Condition.objects.filter(live_revision__isnull=False).values(
            "live_revision_id"
        )
    ).values_list("condition_id", "codes")
    for condition_id, codes in live:
        for entry in codes or []:
            if entry.get("system") == system and entry.get("code") in changes:
                affected.setdefault(condition_id, set()).add(entry["code"])
    written = []
    for condition_id, codes in sorted(affected.items()):
        for code in sorted(codes):
            change = changes[code]
            alert, created = TerminologyAlert.objects.get_or_create(
                condition_id=condition_id,
                release=release,
                system=system,
                code=code,
                defaults={
                    "change": change.change,
                    "explanation": explain(system, release, change, names),
                },
            )
            if created:
                written.append(alert)
    return written


def explain(
    system: str,
    release: TerminologyRelease,
    change: ReleaseChange,
    names: dict[str, str],
) -> str:
    """What the release did to the code and what to do about it, for the
    writer and the reviewer; `names` holds the names of replacement codes."""
    label = release.source.label(change.code)
    was = f" ({change.old_name})" if change.old_name else ""
    text = f"{system} release {release.version} "
    if change.change == Change.REPLACED and change.replaced_by:
        new = release.source.label(change.replaced_by)
        new_name = names.get(change.replaced_by)
        text += f"replaced {label}{was} with {new}"
        text += f" ({new_name})." if new_name else "."
        return text + f" Pick {new} (or another code) and approve the facts again."
    return (
        text + f"retired {label}{was}. Remove it or pick another code, then "
        "approve the facts again."
    )
