"""Real terminology data for tests and development, loaded fast.

`load_sample` loads a handful of real concepts, read from the same packaged
releases `manage.py import_terminology` reads, as a release of their own
("… sample"), so a test can give a condition real codes in a second instead
of loading 130,000 concepts. `load_full` loads every source, as `make run`
does. Each source is read once per process.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from functools import cache

from answers.models import TerminologyRelease
from answers.terminology.loading import LoadResult, load
from answers.terminology.sources import SOURCES, ReleaseData

# The demo's conditions and the codes tests use, from the real releases.
SAMPLE_CODES = {
    "orphanet": ["2905", "589", "586", "160", "117", "43393", "666", "803"],
    "gard": ["7411", "7122", "6233", "12656", "5786", "1017"],
    "icd10cm": ["D47.Z2", "D47.Z9", "E84", "E84.0", "E84.9", "G70.0", "G70.00"],
    "hpo": ["HP:0000508", "HP:0003473", "HP:0001324"],
}


@cache
def release_data(key: str) -> ReleaseData:
    return SOURCES[key].read()


def sample_data(key: str, codes: Iterable[str]) -> ReleaseData:
    wanted = set(codes)
    data = release_data(key)
    concepts = [concept for concept in data.concepts if concept.code in wanted]
    missing = wanted - {concept.code for concept in concepts}
    if missing:
        raise KeyError(f"{key} release {data.version} has no {sorted(missing)}")
    tag = hashlib.sha256(",".join(sorted(wanted)).encode()).hexdigest()[:16]
    return replace(
        data,
        version=f"{data.version} sample",
        digest=f"sample-{tag}-{data.digest[:40]}",
        concepts=concepts,
    )


def load_sample(codes: dict[str, list[str]] | None = None) -> list[LoadResult]:
    """Load these real concepts (default SAMPLE_CODES) as each source's
    current release, unless the source already has one."""
    results = []
    for key, wanted in (codes or SAMPLE_CODES).items():
        if TerminologyRelease.objects.filter(source__key=key, is_current=True).exists():
            continue
        results.append(load(SOURCES[key], sample_data(key, wanted)))
    return results


def load_full(keys: Iterable[str] = ()) -> list[LoadResult]:
    """Every concept of these sources (default: all), as `import_terminology`."""
    return [load(SOURCES[key], release_data(key)) for key in (keys or SOURCES)]
