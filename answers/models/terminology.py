"""The terminology catalogue: the field's own disease and phenotype
vocabularies, each loaded from a packaged release (`manage.py
import_terminology`), so that codes on conditions are picked and checked, not
typed, and readers find a condition by any of its names.

A source (GARD, Orphanet, HPO, ICD-10-CM) has releases; a release has
concepts; a concept has its preferred name, other names (with the kind the
source gives: exact, abbreviation, lay term…), a status (active, retired,
replaced) and cross-references. A newer release is loaded beside the old one
and becomes current; `ReleaseChange` rows say what it added, renamed, retired
or replaced, and `TerminologyAlert` puts a condition whose codes it retired in
the "terminology changed" review queue. Nothing here is edited by hand: the
admin shows it read-only.

The end of the module checks codes against the current releases
(`check_code`, `resolve_codes`): the models that carry codes check them
themselves, so the check lives with the models; answers/terminology/codes.py
is where the rest of the project imports it from.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse

from answers.exceptions import CodeRefused
from diseasemaps.lib.prepared import Prepared


class TerminologySource(models.Model):
    """One vocabulary, with the licence and attribution its use requires."""

    key = models.SlugField(
        max_length=20, unique=True, help_text="Name on the command line."
    )
    system = models.CharField(
        max_length=20,
        unique=True,
        help_text="The coding system's exact label, e.g. ICD-10-CM (not ICD-10).",
    )
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200, blank=True)
    homepage = models.URLField(blank=True)
    package = models.CharField(
        max_length=100, blank=True, help_text="The PyPI package that ships it."
    )
    licence = models.CharField(max_length=300)
    licence_url = models.URLField(blank=True)
    attribution = models.TextField(
        help_text="What the licence asks us to show wherever its content appears."
    )
    code_prefix = models.CharField(
        max_length=10,
        blank=True,
        help_text="Written before a code, e.g. 'ORPHA:' makes ORPHA:2905.",
    )
    code_url = models.CharField(
        max_length=200,
        blank=True,
        help_text="The source's page for a code, with {code} in it.",
    )
    for_conditions = models.BooleanField(
        default=False, help_text="Its codes may be given to conditions."
    )
    lists_conditions = models.BooleanField(
        default=False,
        help_text="Its concepts are conditions readers may search for.",
    )

    class Meta:
        ordering = ["system"]

    def __str__(self) -> str:
        return self.system

    def label(self, code: str) -> str:
        return f"{self.code_prefix}{code}" if self.code_prefix else f"{code}"

    def url(self, code: str) -> str:
        return self.code_url.format(code=code) if self.code_url else ""


class TerminologyRelease(models.Model):
    """One release of a source as loaded. The current release is the one
    codes are checked against; older ones stay for the record."""

    source = models.ForeignKey(
        TerminologySource, on_delete=models.PROTECT, related_name="releases"
    )
    version = models.CharField(max_length=60)
    released_on = models.DateField(
        null=True, blank=True, help_text="Empty when the package does not say."
    )
    package = models.CharField(
        max_length=100, help_text="Package and version it came from."
    )
    digest = models.CharField(
        max_length=64, help_text="SHA-256 of the files read: same files, same digest."
    )
    loaded_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False)
    concept_count = models.PositiveIntegerField(default=0)
    name_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=dict,
        blank=True,
        help_text="Counts of concepts added, renamed, retired and replaced "
        "against the release it followed.",
    )

    class Meta:
        ordering = ["source", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "version"], name="terminologyrelease_unique"
            ),
            # `current_release()` reads the one current release of a source.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(is_current=True),
                name="terminologyrelease_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.system} {self.version}"


class ConceptStatus(models.TextChoices):
    ACTIVE = "active", "active"
    RETIRED = "retired", "retired"
    REPLACED = "replaced", "replaced"


class Concept(models.Model):
    """One code of one release, with the source's preferred name for it."""

    release = models.ForeignKey(
        TerminologyRelease, on_delete=models.CASCADE, related_name="concepts"
    )
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=ConceptStatus.choices, default=ConceptStatus.ACTIVE
    )
    replaced_by = models.CharField(max_length=40, blank=True)
    kind = models.CharField(
        max_length=20,
        blank=True,
        help_text="What the source calls it: disease, phenotype, category, code.",
    )
    categories = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["release", "code"]
        constraints = [
            # Also the index behind every code check (release, code).
            models.UniqueConstraint(
                fields=["release", "code"], name="concept_unique_code"
            )
        ]

    def __str__(self) -> str:
        # "ORPHA:2905 — …" names its system; a bare "D47.Z2" would not.
        label = self.label
        if label == self.code:
            label = f"{self.release.source.system} {self.code}"
        return f"{label} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "public:catalogue_concept",
            args=[self.release.source.key, self.code],
        )

    @property
    def system(self) -> str:
        return self.release.source.system

    @property
    def label(self) -> str:
        return self.release.source.label(self.code)

    @property
    def url(self) -> str:
        return self.release.source.url(self.code)

    @property
    def is_active(self) -> bool:
        return self.status == ConceptStatus.ACTIVE


class NameKind(models.TextChoices):
    EXACT = "exact", "exact synonym"
    SYNONYM = "synonym", "synonym"
    ABBREVIATION = "abbreviation", "abbreviation"
    LAY = "lay", "lay term"
    RELATED = "related", "related term"
    BROAD = "broad", "broader term"
    NARROW = "narrow", "narrower term"
    INCLUSION = "inclusion", "inclusion term"


class ConceptName(models.Model):
    """Another name the source gives a concept, with its kind where the
    source says (GARD does not: its names are plain synonyms)."""

    concept = models.ForeignKey(
        Concept, on_delete=models.CASCADE, related_name="other_names"
    )
    name = models.CharField(max_length=500)
    kind = models.CharField(max_length=15, choices=NameKind.choices)

    class Meta:
        ordering = ["concept", "name"]

    def __str__(self) -> str:
        return self.name


class Mapping(models.TextChoices):
    EXACT = "exact", "exact"
    BROADER = "broader", "broader"
    NARROWER = "narrower", "narrower"
    RELATED = "related", "related"
    UNSPECIFIED = "unspecified", "not given by the source"


class ConceptXref(models.Model):
    """A cross-reference the source gives from a concept to a code of
    another system, with the mapping type where the source gives one."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="xrefs")
    system = models.CharField(max_length=40)
    code = models.CharField(max_length=60)
    mapping = models.CharField(
        max_length=12, choices=Mapping.choices, default=Mapping.UNSPECIFIED
    )

    class Meta:
        ordering = ["concept", "system", "code"]

    def __str__(self) -> str:
        return f"{self.system}:{self.code} ({self.get_mapping_display()})"


class ConceptFeature(models.Model):
    """A phenotype (an HPO code) that a source records for a disease concept,
    with its frequency where given: Orphanet's disease annotations, as HPO's
    phenotype.hpoa carries them. It lets a reader who describes a sign in lay
    words ("drooping eyelid", HPO's lay term for Ptosis) find the conditions
    it belongs to."""

    concept = models.ForeignKey(
        Concept, on_delete=models.CASCADE, related_name="features"
    )
    phenotype = models.CharField(max_length=20, help_text="An HPO code.")
    frequency = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["concept", "phenotype"]
        indexes = [
            # "Which diseases have this sign?" reads by phenotype.
            models.Index(fields=["phenotype"], name="conceptfeature_phenotype")
        ]

    def __str__(self) -> str:
        return f"{self.concept.code} has {self.phenotype}"


class Change(models.TextChoices):
    ADDED = "added", "added"
    RENAMED = "renamed", "renamed"
    RETIRED = "retired", "retired"
    REPLACED = "replaced", "replaced"


class ReleaseChange(models.Model):
    """What a release changed against the release before it: the report."""

    release = models.ForeignKey(
        TerminologyRelease, on_delete=models.CASCADE, related_name="changes"
    )
    code = models.CharField(max_length=40)
    change = models.CharField(max_length=10, choices=Change.choices)
    old_name = models.CharField(max_length=500, blank=True)
    new_name = models.CharField(max_length=500, blank=True)
    replaced_by = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["release", "change", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.change}"


class TerminologyAlert(models.Model):
    """A code a condition uses that a newly loaded release retired or
    replaced. The condition sits in the "terminology changed" queue until a
    reviewer approves its facts again; nothing public changes before that."""

    condition = models.ForeignKey(
        "answers.Condition",
        on_delete=models.CASCADE,
        related_name="terminology_alerts",
    )
    release = models.ForeignKey(
        TerminologyRelease, on_delete=models.PROTECT, related_name="alerts"
    )
    system = models.CharField(max_length=20)
    code = models.CharField(max_length=40)
    change = models.CharField(max_length=10, choices=Change.choices)
    explanation = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "answers.ConditionRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "release", "system", "code"],
                name="terminologyalert_unique",
            )
        ]

    def __str__(self) -> str:
        return self.explanation


# --- Checking codes against the current releases ---------------------------------
# (answers/terminology/codes.py is where the rest of the project imports these.)


@dataclass(frozen=True)
class CheckedCode:
    """A code as an approved revision records it: what readers are shown."""

    system: str
    code: str
    name: str
    release: str

    @classmethod
    def of(cls, concept: Concept) -> "CheckedCode":
        return cls(concept.system, concept.code, concept.name, concept.release.version)

    def as_dict(self) -> dict:
        return {
            "system": self.system,
            "code": self.code,
            "name": self.name,
            "release": self.release,
        }


def current_releases() -> dict[str, TerminologyRelease]:
    """The current release of each system that conditions may use, by system."""
    return {
        release.source.system: release
        for release in TerminologyRelease.objects.filter(
            is_current=True, source__for_conditions=True
        ).select_related("source")
    }


def normalise(system: str, code: str) -> str:
    code = (code or "").strip()
    if system == "ORPHA" and code.upper().startswith("ORPHA:"):
        code = code[len("ORPHA:") :]
    if system == "GARD" and code.upper().startswith("GARD:"):
        code = code[len("GARD:") :]
    if system == "ICD-10-CM":
        code = code.upper()
        # ICD-10-CM is written with a dot after the third character.
        if len(code) > 3 and "." not in code:
            code = f"{code[:3]}.{code[3:]}"
    return code


def problem(
    system: str,
    code: str,
    concept: Concept | None,
    releases: dict[str, TerminologyRelease],
) -> str:
    """Why this code cannot be used, or "" when it can."""
    release = releases.get(system)
    if release is None:
        systems = (
            ", ".join(sorted(releases)) or "none; run manage.py import_terminology"
        )
        return (
            f"“{code}” is given as {system or 'no system'}, which is not a loaded "
            f"terminology. Codes can come from: {systems}."
        )
    if concept is None:
        return f"{system} {code} does not exist in {system} release {release.version}."
    if concept.status != ConceptStatus.ACTIVE:
        instead = (
            f"; it was replaced by {concept.replaced_by}" if concept.replaced_by else ""
        )
        return (
            f"{system} {code} ({concept.name}) is {concept.status} in {system} "
            f"release {release.version}{instead}."
        )
    return ""


def check_code(system: str, code: str) -> Concept:
    """The active concept for this code in the current release of `system`;
    otherwise CodeRefused naming the code, the system and the release."""
    code = normalise(system, code)
    releases = current_releases()
    release = releases.get(system)
    concept = (
        Concept.objects.filter(release=release, code=code)
        .select_related("release__source")
        .first()
        if release
        else None
    )
    reason = problem(system, code, concept, releases)
    if reason:
        raise CodeRefused(reason)
    return concept


def find_concepts(
    codes: list[tuple[str, str]],
) -> dict[tuple[str, str], Concept | str]:
    """For each (system, code), in two queries: its active concept in the
    current release of its system, or why it cannot be used (`problem`)."""
    releases = current_releases()
    wanted = Q(pk__in=[])
    for system, code in codes:
        release = releases.get(system)
        if release is not None:
            wanted |= Q(release=release, code=normalise(system, code))
    found = {
        (concept.release_id, concept.code): concept
        for concept in Concept.objects.filter(wanted).select_related("release__source")
    }
    result: dict[tuple[str, str], Concept | str] = {}
    for system, code in codes:
        normalised = normalise(system, code)
        release = releases.get(system)
        concept = found.get((release.pk, normalised)) if release else None
        reason = problem(system, normalised, concept, releases)
        result[(system, code)] = reason or concept
    return result


def resolve_codes(codes: list[dict]) -> tuple[list[CheckedCode], list[str]]:
    """Each {"system", "code"} checked at once: the ones that pass, with the
    source's name and the release, and a message for each one that does not."""
    found = find_concepts([(item["system"], item["code"]) for item in codes])
    checked, problems = [], []
    for item in codes:
        concept = found[(item["system"], item["code"])]
        if isinstance(concept, str):
            problems.append(concept)
        else:
            checked.append(CheckedCode.of(concept))
    return checked, problems


@dataclass(frozen=True)
class ShownCode:
    """A checked code as a page shows it: its exact system, the code (with the
    source's page for it, when the source has one), the source's name for it
    and the release it was checked against."""

    system: str
    code: str
    name: str
    release: str
    url: str


_ALL_SOURCES = Prepared(
    "every terminology source", lambda: TerminologySource.objects.order_by("pk")
)


def shown_codes(
    codes: list[dict],
) -> tuple[list[ShownCode], list[TerminologySource]]:
    """The codes of an approved snapshot that a page may show, and the sources
    they come from (whose attribution the page shows with them).

    Only entries recorded with the release they were checked against: older
    revisions stored codes unchecked, and an unchecked code is never shown.
    """
    entries = [entry for entry in codes if entry.get("release")]
    if not entries:
        return [], []
    # Every source: a handful of rows, in one query whose SQL is built once
    # per process, whatever systems the codes are from.
    sources = {source.system: source for source in _ALL_SOURCES()}
    shown = []
    for entry in entries:
        source = sources.get(entry["system"])
        shown.append(
            ShownCode(
                system=entry["system"],
                code=entry["code"],
                name=entry.get("name", ""),
                release=entry["release"],
                url=source.url(entry["code"]) if source else "",
            )
        )
    used = {entry.system for entry in shown}
    return shown, [sources[system] for system in sorted(used) if system in sources]
