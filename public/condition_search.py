"""The "Conditions" block of /search/: which conditions a reader's text names,
by any of their names, read from the condition-name index
(answers/name_index.py, so never from a draft).

A name matches in one of four ways, best first: exactly (normalised, so
"crow fukase" is "Crow–Fukase"), from its start ("takatsuki" finds
"Takatsuki syndrome"), by all of its words in any order ("fukase crow"),
and, below all of those, with a typo. Typos are looked for only when no name
matched exactly and too few matched otherwise to fill the block. On
PostgreSQL the candidates come through pg_trgm (similar names, and for a
word or two, names with a similar part) and, for short texts, every name one
edit away (trigrams miss typos in "POEMS" or "MG"); on SQLite from the names
holding half the text (no trigram index there: slower, and good enough for
development). A candidate counts only when each word typed is close to a
word of the name (`close_words`), and a name one edit away comes before
names that only look alike.

Within a way of matching, a condition with reviewed answers comes before a
catalogue-only one; among typos a reviewed condition gets REVIEWED_BONUS of
similarity instead, so a much closer catalogue name still comes first.

When the text is an HPO sign's name or lay term ("drooping eyelid"), the
block also says which sign that is and lists the conditions Orphanet records
it for, reviewed ones first.

One query finds and ranks the names (two when a sign matched), whatever the
size of the index. On PostgreSQL it runs in the answer search's transaction
(public.search.trigram_threshold), so that the planner uses the trigram
index rather than comparing the text with every name.
"""

import difflib
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Length
from django.urls import reverse

from answers.models import (
    Concept,
    Condition,
    ConditionName,
    IndexedNameKind,
    TerminologyRelease,
    TerminologySource,
)
from diseasemaps.lib.names import normalise
from diseasemaps.lib.urls import slug_path

EXACT, PREFIX, WORDS, TYPO = range(4)
# Entries shown in the block; a sign lists this many of its conditions.
SHOWN = 8
SIGN_CONDITIONS = 10
# Names fetched per way of matching before ranking: enough that the right
# entry is among them, few enough to rank in Python in a millisecond.
EACH = 40
# A word typed is close to a word of a name when it starts it, is one edit
# from it, or (from LONG_WORD letters) shares most of its letters in order:
# "takatsky" and "takatsuki" (difflib's ratio 0.82, above WORD_RATIO), not
# "zorbitol" and "syndrome". pg_trgm alone finds "zorbitol syndrome" as
# similar to "PEP syndrome" (0.41) as "takatsky" to "Takatsuki syndrome".
LONG_WORD = 5
WORD_RATIO = 0.75
# pg_trgm's similarity (`%`) a name needs to be a typo candidate at all. One
# wrong letter in a name of two or more words leaves 0.5 or more; with a
# lower bar a common word ("syndrome") makes the trigram index return
# thousands of names to compare.
TYPO_SIMILARITY = 0.45
REVIEWED_BONUS = 0.1
# Texts up to this long are also matched against every name one edit away.
SHORT = 8
# Texts of up to this many telling words are also looked for inside longer
# names. Words in more than 250 names of the catalogue tell little, and make
# the trigram index return thousands of names to compare.
PART_WORDS = 2
COMMON_WORDS = frozenset(
    """
    syndrome type deficiency disease with congenital due dysplasia autosomal
    and familial intellectual disability dystrophy linked recessive ataxia
    related hereditary
    """.split()  # noqa: SIM905 - reads better as words than as a literal
)
# Between entries found the same way, which of their names matched counts:
# an entry's own name above its other names.
KIND_RANK = {
    IndexedNameKind.NAME: 0,
    IndexedNameKind.PREFERRED: 1,
    IndexedNameKind.ACRONYM: 2,
    IndexedNameKind.SYNONYM: 3,
    IndexedNameKind.EXACT: 3,
    IndexedNameKind.ABBREVIATION: 3,
    IndexedNameKind.LAY: 3,
    IndexedNameKind.EXPANSION: 4,
}
OTHER_KINDS = 5
ENTRY_NAMES = [IndexedNameKind.NAME, IndexedNameKind.PREFERRED]


@dataclass
class ConditionMatch:
    """One entry of the block: a reviewed condition or a catalogue-only one."""

    name: str
    url: str
    condition: Condition | None = None
    matched: str = ""
    matched_kind: str = ""

    @property
    def reviewed(self) -> bool:
        return self.condition is not None


@dataclass
class SignMatch:
    """An HPO sign the text names, and conditions Orphanet records it for."""

    name: str
    code: str
    url: str
    release: str
    attribution: str
    matched: str
    matched_kind: str
    conditions: list[ConditionMatch] = field(default_factory=list)
    more: int = 0

    @property
    def is_lay_term(self) -> bool:
        return self.matched_kind == IndexedNameKind.LAY


@dataclass
class NameResults:
    conditions: list[ConditionMatch] = field(default_factory=list)
    sign: SignMatch | None = None
    # The sign is shown first when the text names it better than any
    # condition ("ptosis", and conditions whose names start with it).
    sign_first: bool = False


@dataclass
class _Candidate:
    row: ConditionName
    level: int
    similarity: float

    @property
    def key(self) -> tuple:
        row = self.row
        if row.condition_id is not None:
            return ("condition", row.condition_id)
        return ("sign" if row.phenotype else "concept", row.concept_id)

    @property
    def reviewed(self) -> bool:
        return self.row.condition_id is not None

    one_edit: bool = False

    def rank(self) -> tuple:
        kind = KIND_RANK.get(self.row.kind, OTHER_KINDS)
        if self.level < TYPO:
            first = (self.level, not self.reviewed, -self.similarity)
        else:
            # A reader's typo is most often one slip: a name one edit away
            # before names that only look alike.
            bonus = REVIEWED_BONUS if self.reviewed else 0.0
            first = (TYPO, not self.one_edit, -(self.similarity + bonus))
        return (*first, kind, len(self.row.normalised), self.row.normalised)


def one_edit_apart(a: str, b: str) -> bool:
    """Whether one letter left out, added, changed or two neighbours swapped
    turn `a` into `b` (a different string)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    if len(a) == len(b):
        return a[1:] == b[1:] or (a[:2] == b[1::-1] and a[2:] == b[2:])
    return a[1:] == b if len(a) > len(b) else a == b[1:]


def close_words(spelling: str, normalised: str) -> bool:
    """Whether every word typed is, nearly, a word of the name: the start of
    one, one edit from one, or (longer words) mostly the same letters.

    Similarity of whole strings alone lets a shared common word carry a
    name: "zorbitol syndrome" is as similar to "PEP syndrome" (0.41) as
    "takatsky" is to "Takatsuki syndrome"."""
    words = normalised.split()
    return all(
        any(
            word.startswith(typed)
            or one_edit_apart(typed, word)
            or (
                len(typed) >= LONG_WORD
                and difflib.SequenceMatcher(None, typed, word).ratio() >= WORD_RATIO
            )
            for word in words
        )
        for typed in spelling.split()
    )


def one_edit_patterns(spelling: str) -> list[str]:
    """LIKE patterns for every string one edit from `spelling` (normalised:
    it holds no LIKE wildcard). Trigrams miss typos in short names ("poems"
    and "pomes" share one trigram), so short texts are also matched so."""
    n = len(spelling)
    patterns = {spelling[:i] + "_" + spelling[i + 1 :] for i in range(n)}
    patterns |= {spelling[:i] + "_" + spelling[i:] for i in range(n + 1)}
    patterns |= {spelling[:i] + spelling[i + 1 :] for i in range(n)}
    patterns |= {
        spelling[:i] + spelling[i + 1] + spelling[i] + spelling[i + 2 :]
        for i in range(n - 1)
    }
    patterns.discard("")
    return sorted(patterns)


def find(text: str, alias: str) -> NameResults:
    """The entries `text` names, best first, and the sign it names, if any."""
    spelling = normalise(text)[:500]
    results = NameResults()
    if not spelling:
        return results
    if connections[alias].vendor == "postgresql":
        candidates = _postgresql(spelling, alias)
    else:
        candidates = _fallback(spelling, alias)
    for candidate in candidates:
        if candidate.level == TYPO:
            candidate.one_edit = one_edit_apart(spelling, candidate.row.normalised)
    candidates = [
        candidate
        for candidate in candidates
        if candidate.level < TYPO
        or candidate.one_edit
        or close_words(spelling, candidate.row.normalised)
    ]
    candidates.sort(key=_Candidate.rank)
    best: dict[tuple, _Candidate] = {}
    for candidate in candidates:
        best.setdefault(candidate.key, candidate)
    entries = [c for c in best.values() if not c.row.phenotype]
    results.conditions = [_match(c.row) for c in entries[:SHOWN]]
    signs = [c for c in best.values() if c.row.phenotype and c.level < TYPO]
    # A sign when the text is its name, or names it better than any
    # condition: "marfan" starts "Marfanoid habitus" (a sign) and "Marfan
    # syndrome" alike, and is a search for the syndrome.
    condition_level = entries[0].level if entries else TYPO + 1
    if signs and (signs[0].level == EXACT or signs[0].level < condition_level):
        results.sign = _sign(signs[0].row, alias)
        results.sign_first = signs[0].level < condition_level
    return results


def _match(row: ConditionName) -> ConditionMatch:
    matched = row.name if row.kind != IndexedNameKind.NAME else ""
    if row.condition_id is not None:
        condition = row.condition
        name = condition.public_name
        url = slug_path("public:condition", slug=condition.public_slug)
    else:
        condition, concept = None, row.concept
        name = concept.name
        url = reverse(
            "public:catalogue_concept",
            args=[concept.release.source.key, concept.code],
        )
    if normalise(matched) == normalise(name):
        matched = ""
    return ConditionMatch(
        name=name,
        url=url,
        condition=condition,
        matched=matched,
        matched_kind=row.get_kind_display() if matched else "",
    )


# --- Finding candidates ---------------------------------------------------------


def _rows_from(values: list[tuple], alias: str) -> list[ConditionName]:
    """Model instances from plain rows, with the condition, concept, release
    and source each one shows (what select_related would build)."""
    rows = []
    for (
        pk,
        name,
        normalised,
        kind,
        phenotype,
        condition_id,
        public_name,
        public_slug,
        concept_id,
        code,
        concept_name,
        release_id,
        version,
        source_id,
        key,
        system,
        code_prefix,
        code_url,
        attribution,
    ) in values:
        row = ConditionName(
            pk=pk,
            name=name,
            normalised=normalised,
            kind=kind,
            phenotype=phenotype,
            condition_id=condition_id,
            concept_id=concept_id,
        )
        row._state.db = alias
        if condition_id is not None:
            row.condition = Condition(
                pk=condition_id, public_name=public_name, public_slug=public_slug
            )
        if concept_id is not None:
            source = TerminologySource(
                pk=source_id,
                key=key,
                system=system,
                code_prefix=code_prefix,
                code_url=code_url,
                attribution=attribution,
            )
            release = TerminologyRelease(pk=release_id, version=version, source=source)
            row.concept = Concept(
                pk=concept_id, code=code, name=concept_name, release=release
            )
        rows.append(row)
    return rows


COLUMNS = [
    "pk",
    "name",
    "normalised",
    "kind",
    "phenotype",
    "condition_id",
    "condition__public_name",
    "condition__public_slug",
    "concept_id",
    "concept__code",
    "concept__name",
    "concept__release_id",
    "concept__release__version",
    "concept__release__source_id",
    "concept__release__source__key",
    "concept__release__source__system",
    "concept__release__source__code_prefix",
    "concept__release__source__code_url",
    # The licence's attribution, for a sign only (it is shown with it).
    "attribution",
]


def _values(queryset, limit: int | None = None) -> list[tuple]:
    values = queryset.annotate(
        attribution=Case(
            When(phenotype=True, then=F("concept__release__source__attribution")),
            default=Value(""),
            output_field=TextField(),
        )
    ).values_list(*COLUMNS)
    return list(values[:limit] if limit else values)


def _postgresql(spelling: str, alias: str) -> list[_Candidate]:
    """Each way of matching through its own index (migration 0015), at most
    EACH names of each, ranked together in one statement."""
    connection = connections[alias]
    names = connection.ops.quote_name(ConditionName._meta.db_table)
    conditions = connection.ops.quote_name(Condition._meta.db_table)
    concepts = connection.ops.quote_name(Concept._meta.db_table)
    releases = connection.ops.quote_name(TerminologyRelease._meta.db_table)
    sources = connection.ops.quote_name(TerminologySource._meta.db_table)
    words = " & ".join(f"{word}:*" for word in spelling.split())
    similar = []
    telling = [w for w in spelling.split() if len(w) > 2 and w not in COMMON_WORDS]
    if 0 < len(telling) <= PART_WORDS:
        # A word or two that tell which name: looked for as part of a name
        # ("takatsky" in "Takatsuki syndrome", "lou gerig" in "Lou Gehrig
        # disease", "marfam" in "Marfan syndrome"), by word similarity.
        similar.append(
            f"(SELECT id, {TYPO} FROM {names} "  # noqa: S608  # nosec B608
            "WHERE %(part)s <%% normalised AND (SELECT typos FROM few) "
            "ORDER BY %(part)s <<-> normalised LIMIT %(each)s)"
        )
    # And the whole text against whole names: what tells "type 1a" from
    # "type 1b". (With "syndrome" in a short text the trigram index offers
    # thousands of names: tens of milliseconds, measured; leaving it out for
    # such texts lost 1 % of the typo goal for little.)
    similar.append(
        f"(SELECT id, {TYPO} FROM {names} "  # noqa: S608  # nosec B608
        "WHERE normalised %% %(text)s AND (SELECT typos FROM few) "
        "ORDER BY normalised <-> %(text)s LIMIT %(each)s)"
    )
    short = ""
    if len(spelling) <= SHORT:
        # The names of about this length (a few thousand, through the index
        # on their length), each compared with the patterns.
        short = (
            f" UNION ALL (SELECT id, {TYPO} FROM {names} "  # noqa: S608  # nosec B608
            "WHERE length(normalised) BETWEEN %(shortest)s AND %(longest)s "
            "AND normalised LIKE ANY(%(variants)s) "
            "AND (SELECT typos FROM few) LIMIT %(each)s)"
        )
    # Only table names and fixed tests go into the SQL text; what the reader
    # typed travels as parameters (the tsquery is built of \w words only).
    sql = (
        "WITH matched AS ("  # noqa: S608  # nosec B608
        f"(SELECT id, {EXACT} AS level FROM {names} "
        "WHERE normalised = %(text)s LIMIT %(each)s) UNION ALL "
        f"(SELECT id, {PREFIX} FROM {names} WHERE normalised LIKE %(prefix)s "
        "ORDER BY length(normalised) LIMIT %(each)s) UNION ALL "
        f"(SELECT id, {WORDS} FROM {names} "
        "WHERE to_tsvector('simple'::regconfig, normalised) "
        "@@ to_tsquery('simple'::regconfig, %(words)s) "
        "ORDER BY length(normalised) LIMIT %(each)s)), "
        # Typos only when no name matched exactly and fewer matched than
        # fill the block: they would rank below all of those, and a short
        # common word ("syndrome") is similar to thousands of names, each of
        # which costs a comparison.
        "few AS (SELECT count(*) < %(each)s AND coalesce(bool_and(level > 0), true) "
        "AS typos "
        "FROM matched), "
        "found AS (SELECT * FROM matched UNION ALL "
        f"{' UNION ALL '.join(similar)}{short}), "
        "best AS (SELECT id, min(level) AS level FROM found GROUP BY id) "
        "SELECT n.id, n.name, n.normalised, n.kind, n.phenotype, "
        "n.condition_id, c.public_name, c.public_slug, n.concept_id, k.code, "
        "k.name, k.release_id, r.version, r.source_id, s.key, s.system, "
        "s.code_prefix, s.code_url, "
        "CASE WHEN n.phenotype THEN s.attribution ELSE '' END, "
        "best.level, similarity(n.normalised, %(text)s) "
        f"FROM best JOIN {names} n ON n.id = best.id "
        # LATERAL with LIMIT 1: one primary-key lookup per name found. As
        # plain joins (and a LATERAL without a LIMIT is planned as one), the
        # planner may read the whole conditions or concepts index to hash- or
        # merge-join a handful of rows; a LIMIT keeps the subquery its own.
        "LEFT JOIN LATERAL (SELECT public_name, public_slug "
        f"FROM {conditions} WHERE id = n.condition_id LIMIT 1) c ON true "
        "LEFT JOIN LATERAL (SELECT code, name, release_id "
        f"FROM {concepts} WHERE id = n.concept_id LIMIT 1) k ON true "
        f"LEFT JOIN {releases} r ON r.id = k.release_id "
        f"LEFT JOIN {sources} s ON s.id = r.source_id"
    )
    params = {
        "text": spelling,
        "prefix": connection.ops.prep_for_like_query(spelling) + "%",
        "words": words,
        "each": EACH,
        "part": " ".join(telling),
        "variants": one_edit_patterns(spelling),
        "shortest": len(spelling) - 1,
        "longest": len(spelling) + 1,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = _rows_from([values[:-2] for values in fetched], alias)
    return [
        _Candidate(row, level, similarity)
        for row, (*_, level, similarity) in zip(rows, fetched, strict=True)
    ]


def _level(spelling: str, normalised: str) -> int:
    if normalised == spelling:
        return EXACT
    if normalised.startswith(spelling):
        return PREFIX
    words = normalised.split()
    if all(any(word.startswith(typed) for word in words) for typed in spelling.split()):
        return WORDS
    return TYPO


def _fallback(spelling: str, alias: str) -> list[_Candidate]:
    """The same four ways on SQLite, in one query: names equal to the text,
    starting with it, with all its words, or containing either half of it
    (one typo leaves one half intact) to be scored by difflib."""
    words = Q()
    for word in spelling.split():
        words &= Q(normalised__startswith=word) | Q(normalised__contains=" " + word)
    found = Q(normalised__startswith=spelling) | words
    if len(spelling) >= 4:
        half = len(spelling) // 2
        found |= Q(normalised__contains=spelling[:half])
        found |= Q(normalised__contains=spelling[half:])
    values = _values(
        ConditionName.objects.using(alias)
        .filter(found)
        .order_by(Length("normalised"), "pk"),
        limit=EACH * 50,
    )
    kept, levels = [], []
    per_level = dict.fromkeys(range(TYPO + 1), 0)
    for value in values:
        normalised = value[COLUMNS.index("normalised")]
        level = _level(spelling, normalised)
        # As on PostgreSQL, the shortest EACH names of each way of matching;
        # and names holding half the text only when they are close (find()
        # would drop the others): nothing is built for the rest.
        if per_level[level] >= EACH or (
            level == TYPO
            and not (
                close_words(spelling, normalised)
                or one_edit_apart(spelling, normalised)
            )
        ):
            continue
        per_level[level] += 1
        kept.append(value)
        levels.append(level)
    return [
        _Candidate(
            row, level, difflib.SequenceMatcher(None, spelling, row.normalised).ratio()
        )
        for row, level in zip(_rows_from(kept, alias), levels, strict=True)
    ]


# --- Signs ---------------------------------------------------------------------


def _sign(row: ConditionName, alias: str) -> SignMatch:
    """The sign and the entries whose disease concept (Orphanet's) records
    it: one query, as the index maps each concept to the entry carrying it.
    Only the entries shown are turned into links; the rest are counted."""
    concept = row.concept
    values = (
        ConditionName.objects.using(alias)
        .filter(
            found_in__features__phenotype=concept.code,
            found_in__release__is_current=True,
            kind__in=ENTRY_NAMES,
            phenotype=False,
        )
        .values_list(
            "condition_id",
            "condition__public_name",
            "condition__public_slug",
            "concept_id",
            "concept__name",
            "concept__code",
            "concept__release__source__key",
        )
    )
    entries: dict[tuple, tuple] = {}
    for values_row in values:
        entries.setdefault(values_row[:4:3], values_row)
    ordered = sorted(
        entries.values(),
        key=lambda v: (v[0] is None, (v[1] if v[0] is not None else v[4]).casefold()),
    )
    shown = []
    for condition_id, public_name, public_slug, _, name, code, key in ordered[
        :SIGN_CONDITIONS
    ]:
        if condition_id is not None:
            condition = Condition(
                pk=condition_id, public_name=public_name, public_slug=public_slug
            )
            url = slug_path("public:condition", slug=public_slug)
            shown.append(ConditionMatch(public_name, url, condition=condition))
        else:
            url = reverse("public:catalogue_concept", args=[key, code])
            shown.append(ConditionMatch(name, url))
    source = concept.release.source
    return SignMatch(
        name=concept.name,
        code=concept.code,
        url=source.url(concept.code),
        release=concept.release.version,
        attribution=source.attribution,
        matched=row.name,
        matched_kind=row.kind,
        conditions=shown,
        more=max(0, len(ordered) - SIGN_CONDITIONS),
    )
