"""Screening of member text for a member who may be in crisis, and for posts
that may harm others (issue 18).

`screen(text)` reads a post, an edit or a report and says which classes of
concern it holds:

- `crisis` (risk high): suicide, self-harm, immediate danger, said of the
  writer or of someone they speak for now. The post is held for a moderator
  and the writer sees the crisis contacts; a match never stops anyone writing.
- `crisis_history` (risk medium): the same, told as clearly past ("years ago
  I was suicidal"), so a moderator looks without sending the writer to the
  crisis page.
- `harmful_advice` (risk medium): telling others to stop, start or change a
  treatment, or promoting an unproven cure; a moderator looks first and may
  send it to a medical reviewer.

Every phrase, negation, idiom and cue is in `terms.yaml` beside this file,
with its sources; this module only knows how to read it. The term list is
loaded once per process.

Why a term list and not a library (judged from PyPI's descriptions, none
installed): nothing there screens both classes offline. negspacy (NegEx for
spaCy) does negation only and needs spaCy with a language model that is not
on PyPI; nope-crisis-screen calls an external service; paxmod-guard (0.1.1,
first released in 2026) screens self-harm in chat but not medical advice and
is too new to rely on. Negation, hypothetical and historical cues follow
NegEx and ConText, cited in the term list.

Why it is linear on hostile text: no regular expression runs on member text.
The text is folded and split into tokens in one pass, and each pattern is
tried at each token with look-ahead bounded by the pattern (at most a few
tokens, inside one clause); every cue is found once per text and looked up by
bisection. The work per character is bounded by the term list, not by the
input, so a 100 KB post or the naughty-strings corpus takes time in
proportion to its length (the tests count steps, not seconds).

Health data: the text is never logged and never kept. The result holds class
names, term ids and character offsets into the text it was given, so it can
be stored beside the post and shown to a moderator with `phrases(text)`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

TERMS_FILE = Path(__file__).with_name("terms.yaml")

CRISIS = "crisis"
CRISIS_HISTORY = "crisis_history"
HARMFUL_ADVICE = "harmful_advice"
RISK_ORDER = ("low", "medium", "high")

# A stored result stays small whatever the text: the first few places each
# term matched are enough for a moderator to find the rest.
MAX_SPANS_PER_TERM = 3
MAX_SKIP = 4
MAX_FILLERS = 3
# Fuzzy matching only looks at words of a plausible length.
FUZZY_MIN, FUZZY_MAX = 6, 24
# Longest prefix (word*) looked up for a token.
MAX_PREFIX = 24

APOSTROPHES = frozenset("'’ʼ‘`´")
SENTENCE_END = frozenset(".!?\n\r…")
CLAUSE_END = frozenset(',;:()[]{}"“”„«»‹›—–/|\t')


class TermListError(ValueError):
    """The term list is malformed: the message says where."""


@dataclass(frozen=True)
class Match:
    """One place a term matched: ids and offsets, never the text itself."""

    term: str  # e.g. "crisis.suicide.want_to_die"
    kind: str  # crisis, crisis_history or harmful_advice
    category: str  # e.g. "suicide", "stop_treatment"
    start: int  # character offsets into the screened text
    end: int


@dataclass(frozen=True)
class Screening:
    """What `screen` found. Safe to store: no member text in it."""

    matches: tuple[Match, ...]
    terms_version: str

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.matches)

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(m.category for m in self.matches)

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(sorted({m.term for m in self.matches}))

    @property
    def risk(self) -> str:
        """HealthUnlocked's levels: high for crisis, medium for the others."""
        if CRISIS in self.classes:
            return "high"
        return "medium" if self.matches else "low"

    @property
    def is_crisis(self) -> bool:
        return CRISIS in self.classes

    def phrases(self, text: str) -> list[tuple[str, str]]:
        """(term id, matched words) for a moderator, from the text screened."""
        return [(m.term, text[m.start : m.end]) for m in self.matches]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record to keep beside the post."""
        return {
            "risk": self.risk,
            "classes": sorted(self.classes),
            "categories": sorted(self.categories),
            "terms": list(self.terms),
            "spans": [[m.term, m.start, m.end] for m in self.matches],
            "terms_version": self.terms_version,
        }


# --- Text to tokens --------------------------------------------------------


# Bounded: hostile text can hold a million distinct characters.
@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """NFKD, without accents and invisible format characters, case-folded:
    "Ｓｕｉｃｉｄａｌ", "suïcidal" and "sui\u00adcidal" all read "suicidal"."""
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(
        c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me", "Cf")
    )
    return kept.casefold()


@dataclass
class _Tokens:
    words: list[str]
    starts: list[int]
    ends: list[int]
    clause: list[int]
    sentence: list[int]
    clause_bounds: list[tuple[int, int]]  # token range of each clause
    sentence_bounds: list[tuple[int, int]]


def _tokenize(text: str, boundary_words: frozenset[str]) -> _Tokens:
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clause_of: list[int] = []
    sentence_of: list[int] = []
    clause_first = [0]
    sentence_first = [0]
    current: list[str] = []
    start = end = 0
    clause_open = sentence_open = False  # does the clause have a token yet?

    def close_word() -> None:
        nonlocal clause_open, sentence_open
        if not current:
            return
        word = "".join(current)
        current.clear()
        if word in boundary_words and clause_open:
            clause_first.append(len(words))
        words.append(word)
        starts.append(start)
        ends.append(end)
        clause_of.append(len(clause_first) - 1)
        sentence_of.append(len(sentence_first) - 1)
        clause_open = sentence_open = True

    for index, raw in enumerate(text):
        if raw in APOSTROPHES:
            if current:
                end = index + 1
            continue  # "don't" reads "dont", "I'm" reads "im"
        for char in _fold(raw):
            if char.isalnum():
                if not current:
                    start = index
                current.append(char)
                end = index + 1
                continue
            close_word()
            if char in SENTENCE_END:
                if sentence_open:
                    sentence_first.append(len(words))
                    sentence_open = False
                if clause_open:
                    clause_first.append(len(words))
                    clause_open = False
            elif char in CLAUSE_END and clause_open:
                clause_first.append(len(words))
                clause_open = False
    close_word()

    def bounds(firsts: list[int]) -> list[tuple[int, int]]:
        limits = [*firsts[1:], len(words)]
        return list(zip(firsts, limits, strict=True))

    return _Tokens(
        words,
        starts,
        ends,
        clause_of,
        sentence_of,
        bounds(clause_first),
        bounds(sentence_first),
    )


# --- The pattern language (described in terms.yaml) -------------------------


@dataclass(frozen=True)
class _Alt:
    words: frozenset[str]
    prefixes: tuple[str, ...]
    year: bool = False
    at_end: bool = False  # "$" among the alternatives
    optional: bool = False

    def hit(self, word: str) -> bool:
        if word in self.words:
            return True
        if self.year and len(word) == 4 and word.isdigit():
            return 1900 <= int(word) <= 2099
        return any(word.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class _Skip:
    most: int


@dataclass(frozen=True)
class _End:
    pass


@dataclass(frozen=True)
class _NotNext:
    alt: _Alt


@dataclass(frozen=True)
class _Pattern:
    source: str
    anchored: bool
    elements: tuple[Any, ...]


def _alternatives(text: str, groups: dict[str, list[str]], where: str) -> _Alt:
    words: set[str] = set()
    prefixes: list[str] = []
    year = at_end = False
    for item in text.split("|"):
        if item.startswith("@"):
            if item[1:] not in groups:
                raise TermListError(f"{where}: unknown group {item}")
            items = groups[item[1:]]
        else:
            items = [item]
        for part in items:
            part = str(part).casefold()
            if part == "$":
                at_end = True
            elif part == "#year":
                year = True
            elif part.endswith("*") and len(part) > 1:
                prefixes.append(part[:-1])
            elif part and part.isalnum():
                words.add(part)
            else:
                raise TermListError(f"{where}: {part!r} is not a word")
    return _Alt(frozenset(words), tuple(prefixes), year, at_end)


def _compile(source: str, groups: dict[str, list[str]], where: str) -> _Pattern:
    parts = str(source).split()
    anchored = bool(parts) and parts[0] == "^"
    if anchored:
        parts = parts[1:]
    elements: list[Any] = []
    for part in parts:
        if part == "$":
            elements.append(_End())
        elif part.startswith("~"):
            if not part[1:].isdigit() or not 1 <= int(part[1:]) <= MAX_SKIP:
                raise TermListError(f"{where}: {part} (skips are ~1 to ~{MAX_SKIP})")
            elements.append(_Skip(int(part[1:])))
        elif part.startswith("!"):
            elements.append(_NotNext(_alternatives(part[1:], groups, where)))
        else:
            optional = part.endswith("?")
            alt = _alternatives(part.rstrip("?"), groups, where)
            elements.append(
                _Alt(alt.words, alt.prefixes, alt.year, alt.at_end, optional)
            )
    first = elements[0] if elements else None
    if not isinstance(first, _Alt) or first.optional or first.at_end:
        raise TermListError(f"{where}: {source!r} must start with a required word")
    return _Pattern(str(source), anchored, tuple(elements))


def _run(
    elements: tuple[Any, ...], k: int, pos: int, words: list[str], limit: int
) -> int | None:
    """Where the rest of a pattern ends if it matches from `pos` (exclusive
    token index), or None. Branching is bounded by the pattern alone."""
    if k == len(elements):
        return pos
    element = elements[k]
    if isinstance(element, _Alt):
        if pos < limit and element.hit(words[pos]):
            found = _run(elements, k + 1, pos + 1, words, limit)
            if found is not None:
                return found
        if element.at_end and pos == limit:
            return _run(elements, k + 1, pos, words, limit)
        if element.optional:
            return _run(elements, k + 1, pos, words, limit)
        return None
    if isinstance(element, _Skip):
        for gap in range(element.most + 1):
            if pos + gap > limit:
                break
            found = _run(elements, k + 1, pos + gap, words, limit)
            if found is not None:
                return found
        return None
    if isinstance(element, _End):
        return _run(elements, k + 1, pos, words, limit) if pos == limit else None
    if isinstance(element, _NotNext):
        if pos < limit and element.alt.hit(words[pos]):
            return None
        return _run(elements, k + 1, pos, words, limit)
    raise AssertionError(element)  # pragma: no cover


class _Index:
    """Patterns by the words their first element accepts, so each token is
    tried only against the patterns that can start there."""

    def __init__(self) -> None:
        self.by_word: dict[str, list[tuple[_Pattern, Any]]] = {}
        self.by_prefix: dict[str, list[tuple[_Pattern, Any]]] = {}
        self.by_year: list[tuple[_Pattern, Any]] = []

    def add(self, pattern: _Pattern, payload: Any) -> None:
        first = pattern.elements[0]
        for word in first.words:
            self.by_word.setdefault(word, []).append((pattern, payload))
        for prefix in first.prefixes:
            self.by_prefix.setdefault(prefix, []).append((pattern, payload))
        if first.year:
            self.by_year.append((pattern, payload))

    def candidates(self, word: str) -> list[tuple[_Pattern, Any]]:
        found = list(self.by_word.get(word, ()))
        for length in range(1, min(len(word), MAX_PREFIX) + 1):
            found.extend(self.by_prefix.get(word[:length], ()))
        if self.by_year and len(word) == 4 and word.isdigit():
            found.extend(self.by_year)
        return found

    def scan(self, tokens: _Tokens, fillers: frozenset[str]):
        """Every (payload, start, end) in token indexes, in text order."""
        words = tokens.words
        for pos, word in enumerate(words):
            candidates = self.candidates(word)
            if not candidates:
                continue
            first, limit = tokens.clause_bounds[tokens.clause[pos]]
            for pattern, payload in candidates:
                if pattern.anchored and not _at_clause_start(
                    words, first, pos, fillers
                ):
                    continue
                end = _run(pattern.elements, 1, pos + 1, words, limit)
                if end is not None:
                    yield payload, pos, end


def _at_clause_start(words: list[str], first: int, pos: int, fillers) -> bool:
    return pos - first <= MAX_FILLERS and all(
        words[i] in fillers for i in range(first, pos)
    )


class _Cues:
    """Where one list of cue patterns occurs in a text, found in one scan and
    looked up by bisection."""

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends

    def any_start_in(self, low: int, high: int) -> bool:
        i = bisect_left(self.starts, low)
        return i < len(self.starts) and self.starts[i] < high

    def overlaps(self, low: int, high: int, reach: int) -> bool:
        i = bisect_left(self.starts, low - reach)
        while i < len(self.starts) and self.starts[i] < high:
            if self.ends[i] > low:
                return True
            i += 1
        return False


def _find(index: _Index, tokens: _Tokens, fillers: frozenset[str]) -> _Cues:
    spans = sorted({(s, e) for _, s, e in index.scan(tokens, fillers)})
    return _Cues([s for s, _ in spans], [e for _, e in spans])


def _cue_index(patterns: list[str], groups, where: str) -> _Index:
    index = _Index()
    for source in patterns or []:
        index.add(_compile(source, groups, where), None)
    return index


# --- The term list ----------------------------------------------------------


@dataclass
class _Class:
    name: str
    terms: _Index
    window: int
    negation: _Index
    pseudo: _Index
    scope: _Index
    sentence: _Index
    idioms: _Index
    history_class: str | None
    history: _Index
    recent: _Index
    debunk: _Index
    debunk_categories: frozenset[str]
    longest: int  # the most tokens a cue or idiom can span


@dataclass
class _Lexicon:
    version: str
    classes: list[_Class]
    boundary_words: frozenset[str]
    fillers: frozenset[str]
    fuzzy: dict[str, str]  # deletion variant -> word
    known: frozenset[str]  # every literal word of the list, never "corrected"
    term_ids: tuple[str, ...]
    sources: dict[str, Any]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _longest(source: str) -> int:
    return sum(
        int(p[1:]) if p.startswith("~") else 1
        for p in str(source).split()
        if p not in ("^", "$") and not p.startswith("!")
    )


@cache
def lexicon() -> _Lexicon:
    """The term list, read and checked once per process."""
    raw = TERMS_FILE.read_bytes()
    data = yaml.safe_load(raw)
    # An empty or partial list would screen nothing and say nothing: every
    # crisis post would go out unflagged. Refuse it by name instead.
    if data is None:
        raise TermListError(f"{TERMS_FILE.name} is empty")
    if not isinstance(data, dict):
        raise TermListError(f"{TERMS_FILE.name} must be a mapping of sections")
    for required in (CRISIS, HARMFUL_ADVICE):
        if required not in (data.get("classes") or {}):
            raise TermListError(f"{TERMS_FILE.name}: no class {required}")
    groups = {k: [str(x) for x in v] for k, v in (data.get("groups") or {}).items()}
    sources = data.get("sources") or {}
    known: set[str] = set()
    for items in groups.values():
        known.update(str(i).casefold() for i in items if str(i).isalnum())
    term_ids: list[str] = []
    classes: list[_Class] = []

    def index(patterns, where):
        for source in patterns or []:
            for alt in str(source).replace("^", "").split():
                for word in alt.strip("!?").split("|"):
                    if word.isalnum():
                        known.add(word.casefold())
        return _cue_index(patterns, groups, where)

    for name, spec in (data.get("classes") or {}).items():
        for source in spec.get("sources") or []:
            if source not in sources:
                raise TermListError(f"{name}: unknown source {source}")
        terms = _Index()
        longest = 1
        for category, entries in (spec.get("categories") or {}).items():
            for entry in entries:
                if not isinstance(entry, dict) or not entry.get("id"):
                    raise TermListError(f"{name}.{category}: an entry has no id")
                term_id = f"{name}.{category}.{entry['id']}"
                if not entry.get("patterns"):
                    raise TermListError(f"{term_id}: no patterns")
                if term_id in term_ids:
                    raise TermListError(f"{term_id}: defined twice")
                term_ids.append(term_id)
                index(entry["patterns"], term_id)
                for source in entry["patterns"]:
                    terms.add(_compile(source, groups, term_id), (term_id, category))
        negation = spec.get("negation") or {}
        history = spec.get("history") or {}
        debunk = spec.get("debunk") or {}
        cue_lists = [
            negation.get("cues"),
            negation.get("pseudo"),
            spec.get("scope_cues"),
            spec.get("sentence_cues"),
            spec.get("idioms"),
            history.get("cues"),
            history.get("recent"),
            debunk.get("cues"),
        ]
        for patterns in cue_lists:
            for source in patterns or []:
                longest = max(longest, _longest(source))
        classes.append(
            _Class(
                name=name,
                terms=terms,
                window=int(negation.get("window", 0)),
                negation=index(negation.get("cues"), f"{name}.negation"),
                pseudo=index(negation.get("pseudo"), f"{name}.pseudo"),
                scope=index(spec.get("scope_cues"), f"{name}.scope_cues"),
                sentence=index(spec.get("sentence_cues"), f"{name}.sentence_cues"),
                idioms=index(spec.get("idioms"), f"{name}.idioms"),
                history_class=history.get("class"),
                history=index(history.get("cues"), f"{name}.history"),
                recent=index(history.get("recent"), f"{name}.recent"),
                debunk=index(debunk.get("cues"), f"{name}.debunk"),
                debunk_categories=frozenset(debunk.get("categories") or ()),
                longest=longest,
            )
        )
    fuzzy: dict[str, str] = {}
    for word in data.get("fuzzy") or []:
        word = str(word).casefold()
        for variant in {word, *_deletions(word)}:
            fuzzy.setdefault(variant, word)
    boundary = frozenset(str(w).casefold() for w in data.get("boundary_words") or ())
    return _Lexicon(
        version=hashlib.sha256(raw).hexdigest()[:12],
        classes=classes,
        boundary_words=boundary,
        fillers=frozenset(str(w).casefold() for w in data.get("fillers") or ())
        | boundary,
        fuzzy=fuzzy,
        known=frozenset(known),
        term_ids=tuple(term_ids),
        sources=sources,
    )


def _correct(word: str, lex: _Lexicon) -> str:
    """A listed distinctive word typed with one slip ("sucidal", "suicdal")
    reads as that word; other words stay as they are."""
    if not FUZZY_MIN <= len(word) <= FUZZY_MAX or word in lex.known:
        return word
    for variant in (word, *_deletions(word)):
        target = lex.fuzzy.get(variant)
        if target and target[0] == word[0]:
            return target
    return word


# --- Screening --------------------------------------------------------------


def screen(text: str | None) -> Screening:
    """Screen one member text. Never raises on odd input, never logs it."""
    lex = lexicon()
    if not text:
        return Screening((), lex.version)
    tokens = _tokenize(str(text), lex.boundary_words)
    tokens.words = [_correct(w, lex) for w in tokens.words]
    found: list[Match] = []
    for spec in lex.classes:
        found.extend(_screen_class(spec, tokens, lex))
    found.sort(key=lambda m: (m.start, m.term))
    return Screening(tuple(found), lex.version)


def _screen_class(spec: _Class, tokens: _Tokens, lex: _Lexicon) -> list[Match]:
    fillers = lex.fillers
    hits = list(spec.terms.scan(tokens, fillers))
    if not hits:
        return []
    negation = _find(spec.negation, tokens, fillers)
    pseudo = _find(spec.pseudo, tokens, fillers)
    # A negation cue inside a pseudo-negation ("not sure", "can't stop")
    # is no negation.
    kept = [
        (s, e)
        for s, e in zip(negation.starts, negation.ends, strict=True)
        if not pseudo.overlaps(s, e, spec.longest)
    ]
    negation = _Cues([s for s, _ in kept], [e for _, e in kept])
    scope = _find(spec.scope, tokens, fillers)
    sentence = _find(spec.sentence, tokens, fillers)
    idioms = _find(spec.idioms, tokens, fillers)
    history = _find(spec.history, tokens, fillers)
    recent = _find(spec.recent, tokens, fillers)
    debunk = _find(spec.debunk, tokens, fillers)

    matches: list[Match] = []
    per_term: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for (term_id, category), start, end in hits:
        if (term_id, start) in seen or per_term.get(term_id, 0) >= MAX_SPANS_PER_TERM:
            continue
        seen.add((term_id, start))
        clause_first, clause_limit = tokens.clause_bounds[tokens.clause[start]]
        sent_first, sent_limit = tokens.sentence_bounds[tokens.sentence[start]]
        if negation.any_start_in(max(clause_first, start - spec.window), start):
            continue
        if scope.any_start_in(clause_first, start):
            continue
        if sentence.any_start_in(sent_first, sent_limit):
            continue
        if idioms.overlaps(start, end, spec.longest):
            continue
        if category in spec.debunk_categories and debunk.any_start_in(
            sent_first, sent_limit
        ):
            continue
        kind = spec.name
        if (
            spec.history_class
            and history.any_start_in(sent_first, sent_limit)
            and not recent.any_start_in(clause_first, clause_limit)
        ):
            kind = spec.history_class
        per_term[term_id] = per_term.get(term_id, 0) + 1
        matches.append(
            Match(
                term=term_id,
                kind=kind,
                category=category,
                start=tokens.starts[start],
                end=tokens.ends[end - 1],
            )
        )
    return matches
