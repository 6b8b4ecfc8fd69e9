"""Search over live answers: what readers type at /search/?q=, run against the
index that answers/search_index.py keeps (one `SearchEntry` per live question,
so a query can never find a draft).

On PostgreSQL a query is full-text (websearch syntax, English stemming) over a
weighted document: the condition's names, acronym and synonyms (A) above the
question (B) above the answer (C). Words found only by pg_trgm similarity
(typos such as "poms" or "takatsuky") come after every exact match. SQLite has
neither, so there a plain substring match stands in (no typo tolerance).

Above the answers, the "Conditions" block names the conditions the text is a
name of, from every name in the catalogue (public/condition_search.py).
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    TrigramWordSimilarity,
)
from django.db import connections, router, transaction
from django.db.models import (
    Case,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from answers.models import AnswerRevision, Condition, Question, SearchEntry, Topic
from answers.search_index import CONFIG, condition_terms, index_text
from public import condition_search
from public.condition_search import ConditionMatch, SignMatch

MAX_QUERY_LENGTH = 200
# pg_trgm's word_similarity of the query against a condition's names or a
# question. Measured on the demo content: real typos score 0.6 or more
# ("poms" 0.60, "takatsuky" 0.80, "myasthenia gravs" 0.88) while junk such
# as "' OR 1=1 --" reaches 0.40 against "Organomegaly"; 0.3 let that through.
TRIGRAM_THRESHOLD = 0.5
# Conditions offered as "did you mean" when nothing matched: the same bar,
# applied to the whole text and to each of its longer words.
SUGGESTION_THRESHOLD = TRIGRAM_THRESHOLD
# Markers ts_headline puts around matched words. Control characters cannot
# occur in indexed text (see _index_text), so after HTML-escaping the snippet
# they are the only thing that turns into <mark>.
START, STOP = "\x02", "\x03"
TSQUERY = f"websearch_to_tsquery('{CONFIG}'::regconfig, %(query)s)"
# Entries ranked per kind of match (names, question, anywhere, near names,
# near question): see PostgresQuery.candidates.
CANDIDATES = 100

TOPIC_POSITION = {value: position for position, value in enumerate(Topic.values)}
# Words the SQLite fallback ignores, as PostgreSQL's English configuration does
# ("is it contagious" looks for "contagious").
STOP_WORDS = frozenset(
    """
    a an and are as at be by can do does for from how i if in is it its me my of on
    or should so the their there this to was what when where which who why will
    with you your
    """.split()  # noqa: SIM905 - the list reads better as words than as a literal
)


# --- Queries ----------------------------------------------------------------


@dataclass(frozen=True)
class CleanQuery:
    text: str
    truncated: bool = False

    @property
    def searchable(self) -> bool:
        return any(ch.isalnum() for ch in self.text)


# websearch_to_tsquery's "leave this word out": a minus at the start of a word.
NEGATION = re.compile(r"(?:^|\s)-\w")
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-_])")


def clean_query(raw: str | None) -> CleanQuery:
    """What a reader typed, made safe to search for.

    Control and invisible formatting characters (NUL, escape sequences,
    right-to-left overrides) go; runs of whitespace become one space; the
    result is cut to MAX_QUERY_LENGTH characters at a word boundary.
    """
    # A terminal colour code pasted with the text ("\x1b[31m") is one unit:
    # dropping only the escape character would glue "[31m" to the next word.
    text = ANSI_ESCAPE.sub(" ", unicodedata.normalize("NFC", raw or ""))
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_LENGTH
    if truncated:
        cut = text[:MAX_QUERY_LENGTH]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).strip()
    return CleanQuery(text=text, truncated=truncated)


def _fts_text(text: str) -> str:
    # "Crow-Fukase" would become the phrase 'crow-fukas' <-> 'crow' <-> 'fukas',
    # which misses "Crow–Fukase" (en dash) in the index; as separate words it
    # matches both spellings. A leading "-" (websearch's NOT) is kept.
    return re.sub(r"(?<=\w)[-‐‑‒–—―](?=\w)", " ", text)


@dataclass
class Hit:
    question: Question
    condition: Condition
    question_html: SafeString
    snippet: SafeString
    reviewed_at: datetime | None
    score: float


@dataclass
class SearchResults:
    query: str = ""
    truncated: bool = False
    searchable: bool = False
    hits: list[Hit] = field(default_factory=list)
    more: bool = False
    # The "Conditions" block (public/condition_search.py): every entry the
    # text names, and the sign it names; `conditions` are its reviewed ones.
    names: list[ConditionMatch] = field(default_factory=list)
    sign: SignMatch | None = None
    sign_first: bool = False
    conditions: list[Condition] = field(default_factory=list)
    suggestions: list[Condition] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return len(self.query.split())


def search(query: str, *, limit: int = 20) -> SearchResults:
    cleaned = clean_query(query)
    results = SearchResults(
        query=cleaned.text, truncated=cleaned.truncated, searchable=cleaned.searchable
    )
    if not cleaned.searchable:
        return results
    alias = router.db_for_read(SearchEntry)
    if connections[alias].vendor == "postgresql":
        _search_postgresql(results, alias, limit)
    else:
        _find_names(results, alias)
        _search_fallback(results, alias, limit)
    results.conditions = [match.condition for match in results.names if match.reviewed]
    return results


def _find_names(results: SearchResults, alias: str) -> None:
    """The "Conditions" block, found before the answers: when the text names
    conditions, "did you mean" suggestions are not needed."""
    named = condition_search.find(results.query, alias)
    results.names, results.sign = named.conditions, named.sign
    results.sign_first = named.sign_first


def _entries(alias: str) -> QuerySet:
    return (
        SearchEntry.objects.using(alias)
        .defer("document")
        .select_related(
            "question__condition",
            "question__condition__live_revision",
            "question__live_revision",
            "question__last_review",
        )
    )


def _words(text: str) -> list[str]:
    words = [word.casefold() for word in re.findall(r"\w+", text)]
    meaningful = [word for word in words if word not in STOP_WORDS]
    return list(dict.fromkeys(meaningful or words))[:8]


def _highlight(text: str, words: list[str]) -> str:
    """Mark words of `text` that begin with one of `words` ("contagious" for
    "contagio"), a stand-in for stemming that needs no database."""
    if not words:
        return text
    alternatives = "|".join(re.escape(word) for word in words)
    pattern = re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


def _marked(text: str) -> SafeString:
    """Escape `text`, then turn START/STOP markers into <mark> elements."""
    html = escape(text)
    if html.count(START) != html.count(STOP):
        html = html.replace(START, "").replace(STOP, "")
    # Escaped above; only our markers become tags.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        html.replace(START, "<mark>").replace(STOP, "</mark>")
    )


def _opening(entry: SearchEntry, words: int = 30) -> str:
    short_answer = index_text(entry.question.live_revision.short_answer)
    return Truncator(" ".join(short_answer.split())).words(words, truncate="…")


def _fragment(snippet: str, answer_text: str) -> str:
    """Ellipses where ts_headline cut the answer short."""
    plain = " ".join(snippet.replace(START, "").replace(STOP, "").split())
    if not plain:
        return ""
    whole = " ".join(answer_text.split())
    if not whole.startswith(plain[:40]):
        snippet = "… " + snippet.strip()
    if not whole.endswith(plain[-40:]) and not plain.endswith((".", "?", "!")):
        snippet = snippet.rstrip() + " …"
    return snippet


def _topic_position() -> Case:
    """Questions of one condition in the order of the condition page."""
    return Case(
        *(
            When(question__live_revision__topic=value, then=position)
            for value, position in TOPIC_POSITION.items()
        ),
        default=len(TOPIC_POSITION),
    )


@contextmanager
def trigram_threshold(alias: str) -> Iterator[None]:
    """A transaction in which pg_trgm's `<%` operator uses TRIGRAM_THRESHOLD,
    its `%` operator condition_search.TYPO_SIMILARITY, and tables are read
    through their indexes.

    Without the second setting, a word found in tens of thousands of entries
    makes the planner expect to fill a candidate LIMIT after a few rows of a
    sequential scan; it cannot know that each row's test unpacks a large
    document, and a rare word then reads the whole table."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # set_config(..., true) lasts until the end of this transaction only,
        # so a pooled connection does not carry it to other work.
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
            "set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(TRIGRAM_THRESHOLD), str(condition_search.TYPO_SIMILARITY)],
        )
        yield


class PostgresQuery:
    """The ranked query for one search text (see `search`).

    Finding and ranking are one SQL statement (`ranked_sql`): built as ORM
    expressions, its five-way score cost more to compile than to run."""

    def __init__(self, text: str, alias: str) -> None:
        self.text, self.alias = text, alias
        self.query = SearchQuery(
            _fts_text(text), search_type="websearch", config=CONFIG
        )
        # Similarity cannot honour websearch's "-word", so a query that
        # excludes words gets exact matches only.
        self.near = not NEGATION.search(text)

    def params(self, limit: int) -> dict:
        # What the reader typed only ever travels as a parameter.
        return {
            "query": _fts_text(self.text),
            "text": self.text,
            "candidates": CANDIDATES,
            "limit": limit,
        }

    def _candidates_cte(self) -> str:
        """WITH … candidates(id, condition_id, names): the entries worth ranking.

        Ranking reads each candidate's whole document, so a word found in half
        the site ("syndrome", "treatment", or a typo of one) must not make
        half the site a candidate. Each kind of match is found through its own
        index, at most CANDIDATES of each: in the names, in the question,
        anywhere; and, only when there are not `limit` exact matches to show,
        near matches of the names and of the question (they would all rank
        below the exact ones). With fewer matches than that, every match is a
        candidate and the ranking is exactly that of ranking them all.
        """
        table = connections[self.alias].ops.quote_name(SearchEntry._meta.db_table)
        exact = [
            # The expressions of migration 0007's indexes, exactly.
            (f"to_tsvector('{CONFIG}'::regconfig, condition_terms) @@ {TSQUERY}", True),
            (f"to_tsvector('{CONFIG}'::regconfig, question_text) @@ {TSQUERY}", False),
            (f"document @@ {TSQUERY}", False),
        ]
        if not self.near:
            # "poems -contagious": a name can match while the entry's
            # question has the word left out; only the whole document knows.
            exact = [
                (f"{test} AND document @@ {TSQUERY}", names)
                for test, names in exact[:2]
            ] + exact[2:]
        near = [
            ("condition_terms %%> %(text)s", True),
            ("question_text %%> %(text)s", False),
        ]

        # Only our own table name and fixed tests go into the SQL text.
        def union(kinds: list[tuple[str, bool]]) -> str:
            return " UNION ALL ".join(
                f"(SELECT id, condition_id, {str(names).lower()} AS names "  # noqa: S608  # nosec B608
                f"FROM {table} WHERE {test} LIMIT %(candidates)s)"
                for test, names in kinds
            )

        candidates = "SELECT * FROM exact"
        if self.near:
            # A one-time test: with enough exact matches to fill the page the
            # near ones are never looked for.
            candidates += (
                f" UNION ALL SELECT * FROM ({union(near)}) AS near"  # noqa: S608  # nosec B608
                " WHERE (SELECT count(DISTINCT id) FROM exact) < %(limit)s"
            )
        return f"WITH exact AS ({union(exact)}), candidates AS ({candidates})"

    def candidates_sql(self, limit: int) -> tuple[str, dict]:
        sql = f"{self._candidates_cte()} SELECT * FROM candidates"  # noqa: S608  # nosec B608
        return sql, self.params(limit)

    def candidates(self, limit: int) -> list[tuple[int, int, bool]]:
        """(entry, condition, names it?) for the entries worth ranking."""
        sql, params = self.candidates_sql(limit)
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _score(self) -> str:
        """Exact matches by where they are (names 3+, question 2+, answer 1+,
        plus rank / (rank + 1), below 1); near matches below every exact one,
        names above questions (0.7–0.9 and 0.3–0.5). Every question of a
        condition named gets the same score: they then follow the condition
        page's topic order ("What is …?" first). A typo of a name also
        resembles the questions that repeat the name; that must not reorder
        them."""
        matches = f"e.document @@ {TSQUERY}"
        names = f"ts_filter(e.document, '{{a}}') @@ {TSQUERY}"
        names_or_question = f"ts_filter(e.document, '{{a,b}}') @@ {TSQUERY}"
        rank = f"ts_rank(e.document, {TSQUERY}, 32)"
        names_rank = f"ts_rank(ts_filter(e.document, '{{a}}'), {TSQUERY}, 32)"
        whens = [
            f"WHEN {matches} AND {names} THEN 3 + {names_rank}",
            f"WHEN {matches} AND {names_or_question} THEN 2 + {rank}",
            f"WHEN {matches} THEN 1 + {rank}",
        ]
        if self.near:
            whens += [
                "WHEN e.condition_terms %%> %(text)s THEN "
                "0.5 + 0.4 * word_similarity(%(text)s, e.condition_terms)",
                "WHEN e.question_text %%> %(text)s THEN "
                "0.1 + 0.4 * word_similarity(%(text)s, e.question_text)",
            ]
        return f"(CASE {' '.join(whens)} ELSE 0 END)::float8"

    def ranked_sql(self, limit: int) -> tuple[str, dict]:
        connection = connections[self.alias]
        entries, questions, revisions, conditions = (
            connection.ops.quote_name(model._meta.db_table)
            for model in (SearchEntry, Question, AnswerRevision, Condition)
        )
        topic = " ".join(
            f"WHEN '{value}' THEN {position}"
            for value, position in TOPIC_POSITION.items()
        )
        sql = (
            f"{self._candidates_cte()}, "  # noqa: S608  # nosec B608 - see _candidates_cte
            "named AS (SELECT array_agg(DISTINCT condition_id) AS ids "
            "FROM candidates WHERE names), "
            f"scored AS (SELECT e.id, {self._score()} AS score, c.public_name AS name, "
            f"CASE r.topic {topic} ELSE {len(TOPIC_POSITION)} END AS topic, "
            'r."order", e.question_id '
            f"FROM {entries} e JOIN {questions} q ON q.id = e.question_id "
            f"JOIN {revisions} r ON r.id = q.live_revision_id "
            f"JOIN {conditions} c ON c.id = q.condition_id "
            "WHERE e.id IN (SELECT id FROM candidates)) "
            "SELECT id, score, (SELECT ids FROM named) FROM scored WHERE score > 0 "
            'ORDER BY score DESC, name, topic, "order", question_id '
            "LIMIT %(limit)s"
        )
        return sql, self.params(limit)

    def ranked(self, limit: int) -> tuple[list[tuple[int, float]], set[int]]:
        """The best `limit` entries, best first, with their scores; and the
        conditions the text names, exactly or nearly."""
        sql, params = self.ranked_sql(limit)
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        named = set(rows[0][2] or []) if rows else set()
        return [(pk, score) for pk, score, _ in rows], named

    def entries(self, ids: Iterable[int]) -> QuerySet:
        """The entries to show, with snippets (for these only: ts_headline
        reads the answer through)."""
        return (
            _entries(self.alias)
            .filter(pk__in=list(ids))
            .annotate(
                snippet=SearchHeadline(
                    "answer_text",
                    self.query,
                    config=CONFIG,
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=30,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
        )

    def suggestions(self) -> QuerySet:
        """Conditions whose names look like the text or one of its longer
        words: "myastenia in children abroad" matched nothing as a whole.

        Runs inside `trigram_threshold`: the `%>` tests (SUGGESTION_THRESHOLD
        is the same bar) let the trigram index pick the entries whose
        similarity is worth computing, instead of computing it for all."""
        field = "search_entries__condition_terms"
        texts = [self.text, *(word for word in _words(self.text) if len(word) >= 4)]
        similar = TrigramWordSimilar(F(field), Value(texts[0]))
        for text in texts[1:]:
            similar |= TrigramWordSimilar(F(field), Value(text))
        similarity = Greatest(
            *(TrigramWordSimilarity(text, field) for text in texts), Value(0.0)
        )
        return (
            Condition.objects.using(self.alias)
            .filter(similar)
            .annotate(similarity=Max(similarity))
            .filter(similarity__gte=SUGGESTION_THRESHOLD)
            .select_related("live_revision")
            .order_by("-similarity", "public_name")
        )


def _search_postgresql(results: SearchResults, alias: str, limit: int) -> None:
    words = _words(results.query)
    query = PostgresQuery(results.query, alias)
    with trigram_threshold(alias):
        # In this transaction the names' trigram index is used too: the
        # planner would read every name rather than it (see trigram_threshold).
        _find_names(results, alias)
        ranked, _named = query.ranked(limit + 1)
        results.more = len(ranked) > limit
        scores = dict(ranked[:limit])
        entries = sorted(
            query.entries(scores), key=lambda entry: list(scores).index(entry.pk)
        )
        # The names block already offers what the text resembles.
        if not entries and not (results.names or results.sign):
            results.suggestions = list(query.suggestions()[:3])
    for entry in entries:
        entry.score = scores[entry.pk]
        # Where the answer itself has none of the words (a condition's name,
        # a near match), show how the answer starts rather than a stub.
        snippet = (
            _fragment(entry.snippet, entry.answer_text)
            if START in entry.snippet
            else _opening(entry)
        )
        # Not ts_headline for the question: it drops anything that looks like
        # an HTML tag, and the question must read exactly as published.
        question_text = _highlight(entry.question_text, words)
        results.hits.append(_hit(entry, question_text, snippet, entry.score))


def _hit(entry: SearchEntry, question_text: str, snippet: str, score: float) -> Hit:
    question = entry.question
    review = question.last_review
    return Hit(
        question=question,
        condition=question.condition,
        question_html=_marked(question_text),
        snippet=_marked(snippet),
        reviewed_at=review.created_at if review else None,
        score=score,
    )


# --- SQLite -----------------------------------------------------------------


def _window(text: str, words: list[str], size: int = 30) -> str:
    """About `size` words of `text` around the first matching word."""
    tokens = text.split()
    first = next(
        (
            i
            for i, token in enumerate(tokens)
            if any(word in token.casefold() for word in words)
        ),
        0,
    )
    start = max(0, first - size // 3)
    part = " ".join(tokens[start : start + size])
    prefix = "… " if start else ""
    suffix = " …" if start + size < len(tokens) else ""
    return f"{prefix}{part}{suffix}"


def _search_fallback(results: SearchResults, alias: str, limit: int) -> None:
    """Every word must appear in the names, the question or the answer;
    names count above the question, the question above the answer."""
    words = _words(results.query)
    anywhere, in_names, in_names_or_question = Q(), Q(), Q()
    for word in words:
        names = Q(condition_terms__icontains=word)
        question = Q(question_text__icontains=word)
        anywhere &= names | question | Q(answer_text__icontains=word)
        in_names &= names
        in_names_or_question &= names | question
    entries = list(
        _entries(alias)
        .filter(anywhere)
        .annotate(
            level=Case(
                When(in_names, then=3),
                When(in_names_or_question, then=2),
                default=1,
            )
        )
        .order_by(
            "-level",
            "question__condition__public_name",
            _topic_position(),
            "question__live_revision__order",
            "question_id",
        )[: limit + 1]
    )
    results.more = len(entries) > limit
    named: dict[int, Condition] = {}
    for entry in entries[:limit]:
        if entry.level == 3:
            named.setdefault(entry.question.condition_id, entry.question.condition)
        snippet = _highlight(_window(entry.answer_text, words), words)
        question_text = _highlight(entry.question_text, words)
        results.hits.append(_hit(entry, question_text, snippet, float(entry.level)))
    results.conditions = sorted(named.values(), key=lambda c: c.public_name)[:5]
    if not results.hits and not (results.names or results.sign):
        results.suggestions = _close_conditions(results.query, alias)


def _close_conditions(text: str, alias: str) -> list[Condition]:
    """Published conditions with a name close to what was typed (difflib)."""
    conditions = list(
        Condition.objects.using(alias)
        .filter(search_entries__isnull=False)
        .select_related("live_revision")
        .distinct()
        .order_by("public_name")
    )
    by_term: dict[str, Condition] = {}
    for condition in conditions:
        for term in condition_terms(condition).splitlines():
            for candidate in (term, *term.split()):
                by_term.setdefault(candidate.casefold(), condition)
    found: dict[int, Condition] = {}
    for word in [text, *text.split()]:
        for term in difflib.get_close_matches(word.casefold(), by_term, n=3):
            condition = by_term[term]
            found.setdefault(condition.pk, condition)
    return list(found.values())[:3]
