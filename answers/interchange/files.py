"""Read and write content files: Markdown with a YAML front-matter header.

One `condition.md` per condition folder and one file per question; the format
is described in docs/content-format.md. Readers check the shape of one file
(keys, types, allowed values) and return plain dicts; they raise
ContentFileError naming the file and *every* problem found in it, so an editor
fixes a file in one go. Rules that need the models or the database (slugs,
codes checked against the terminology catalogue, unknown conditions,
duplicates) live in checking.py.

`render_condition(read_condition(f))` and `render_question(read_question(f))`
give back a file that reads as the same dict: export relies on it.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from answers.models import QuestionKind, Topic
from answers.services import normalise_text

CONDITION_KEYS = {
    "required": {"name", "slug"},
    "optional": {
        "acronym",
        "acronym_expansion",
        "synonyms",
        "prevalence",
        "review_interval_days",
        "codes",
        "criteria_sets",
    },
}
QUESTION_KEYS = {
    "required": {"condition", "question", "slug", "short_answer", "references"},
    "optional": {"kind", "topic", "order", "show_criteria"},
}
CODE_KEYS = {"required": {"system", "code"}, "optional": set()}
CRITERIA_SET_KEYS = {
    "required": {"title", "source", "groups"},
    "optional": {"applies_to", "version", "rule"},
}
CRITERIA_GROUP_KEYS = {"required": {"category", "items"}, "optional": {"count_rule"}}
# Files from before criteria sets: lists without a title, a rule or whom they
# apply to. Refused, not converted: a converted set would have no rule, and the
# file is the place to write one.
OLD_CRITERIA = (
    "'criteria' is the old format (lists without a title, a rule or whom they "
    "apply to) and is no longer read. Write the lists as 'criteria_sets': each "
    "set with title, applies_to, source, version and rule, and its lists as "
    "'groups' (category, count_rule, items). See docs/content-format.md."
)
REFERENCE_KEYS = {"required": {"citation"}, "optional": {"url", "pmid", "doi"}}

# Key order in written files: what an editor reads first comes first.
CONDITION_ORDER = [
    "name",
    "slug",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "prevalence",
    "review_interval_days",
    "codes",
    "criteria_sets",
]
QUESTION_ORDER = [
    "condition",
    "question",
    "slug",
    "kind",
    "topic",
    "order",
    "show_criteria",
    "short_answer",
    "references",
]

FENCE = "---"


class ContentFileError(ValueError):
    """One file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path, problems: str | list[str]):
        self.path = path
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.problem = " ".join(self.problems)
        super().__init__(f"{path}: {self.problem}")


class ContentLoader(yaml.SafeLoader):
    """YAML with fewer surprises for medical text.

    PyYAML follows YAML 1.1, where `acronym: NO` is the boolean false, `code: 0123`
    is the octal number 83 and `version: 1:20` is 80. Here only true/false,
    decimal whole numbers and empty values are typed; everything else stays text
    exactly as written. A key given twice is an error instead of the last one
    silently winning.
    """

    yaml_implicit_resolvers: dict = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is given twice", key_node.start_mark
                )
            seen.add(key if isinstance(key, str) else id(key))
        return super().construct_mapping(node, deep=deep)


ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    list("-+0123456789"),
)
ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)


class ContentDumper(yaml.SafeDumper):
    """safe_dump's dumper, with lists indented under their key (as people write
    them) and multi-line text as a `|` block instead of an escaped string."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # The emitter falls back to a quoted style when a block cannot represent the
    # text exactly (e.g. trailing spaces), so this never loses characters. YAML
    # reads the Unicode line breaks NEL, LS and PS as line breaks in any other
    # style, so text with them is written escaped.
    if any(char in data for char in "\x85\u2028\u2029"):
        style = '"'
    elif "\n" in data:
        style = "|"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


ContentDumper.add_representer(str, _represent_text)


def split_front_matter(path: Path) -> tuple[dict, str]:
    """The YAML header as a dict and the Markdown body below it (trimmed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ContentFileError(path, "is not UTF-8 text.") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    nul = next((n for n, line in enumerate(lines, start=1) if "\x00" in line), None)
    if nul is not None:
        raise ContentFileError(path, f"line {nul} contains a NUL character; {NO_NUL}")
    if lines[0].rstrip() != FENCE:
        raise ContentFileError(
            path, "must start with a '---' line that opens the front matter."
        )
    end = next(
        (n for n, line in enumerate(lines[1:], start=1) if line.rstrip() == FENCE),
        None,
    )
    if end is None:
        raise ContentFileError(
            path,
            "front matter is not closed: add a '---' line after the last key, "
            "before the Markdown text.",
        )
    source = "\n".join(lines[1:end])
    try:
        # ContentLoader is a SafeLoader: no Python objects can be built.
        header = yaml.load(source, Loader=ContentLoader)  # noqa: S506  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The header starts on the file's second line.
        where = f" (line {mark.line + 2})" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ContentFileError(
            path,
            f"front matter is not valid YAML{where}"
            + (f": {problem}." if problem else "."),
        ) from None
    if header is None:
        header = {}
    if not isinstance(header, dict):
        raise ContentFileError(
            path, "front matter must be a set of 'key: value' lines."
        )
    return header, "\n".join(lines[end + 1 :]).strip()


# NUL (U+0000) is never text a reader should see, and PostgreSQL cannot store
# it: refused like the admin's forms refuse it, with the place named.
NO_NUL = "remove it (the database cannot store it)."


@dataclass
class Parsed:
    """What a reader made of one file.

    `flagged` names what already has a problem: header keys ("slug"), and whole
    list entries ("codes.2"), so that later checks skip them instead of
    reporting the same mistake twice.
    """

    data: dict
    problems: list[str] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)


class _Fields:
    """Typed access to one mapping of a header, collecting problems as it goes."""

    def __init__(
        self,
        data: dict,
        keys: dict,
        parsed: Parsed,
        entry: tuple[str, str] | None = None,
    ) -> None:
        self.data = data
        self.parsed = parsed
        # For a list entry: how messages name it, and how `flagged` does.
        self.where, self.entry_flag = entry or ("", "")
        missing = sorted(keys["required"] - data.keys())
        for key in missing:
            self.flag(key)
        if missing:
            self.problem(f"missing required field(s): {', '.join(missing)}.")
        unknown = sorted(
            str(k) for k in data.keys() - keys["required"] - keys["optional"]
        )
        if unknown:
            allowed = ", ".join(sorted(keys["required"] | keys["optional"]))
            self.problem(
                f"unknown field(s): {', '.join(unknown)} (allowed: {allowed})."
            )

    def problem(self, message: str, key: str = "") -> None:
        self.parsed.problems.append(f"{self.where}{message}")
        if key:
            self.flag(key)

    def flag(self, key: str) -> None:
        self.parsed.flagged.add(self.entry_flag or key)

    def text(self, key: str, *, single_line: bool = True) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        # Whole numbers are accepted as text (`code: 2905`, `version: 2021`).
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(f"'{key}' must be text; put it in quotes.", key)
            return ""
        value = normalise_text(str(value))
        if "\x00" in value:
            self.problem(f"'{key}' contains a NUL character; {NO_NUL}", key)
            return ""
        if single_line and "\n" in value:
            self.problem(f"'{key}' must be a single line.", key)
        return value

    def whole_number(self, key: str, default: int | None) -> int | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"'{key}' must be a whole number, e.g. {key}: 1.", key)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false.", key)
            return default
        return value

    def choice(self, key: str, choices: list[str], default: str) -> str:
        value = self.text(key) or default
        if value not in choices:
            self.problem(
                f"unknown {key} '{value}'; use one of {', '.join(choices)}.", key
            )
        return value

    def _list(self, key: str) -> list:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"'{key}' must be a list ('- ' lines below the key).", key)
            return []
        return value

    def text_list(self, key: str) -> list[str]:
        values = []
        for position, entry in enumerate(self._list(key), start=1):
            text = normalise_text(str(entry))
            # One entry per line in the database, so a line break would split it.
            if isinstance(entry, bool) or not isinstance(entry, str | int):
                self.problem(f"{key} entry {position} must be text.", key)
            elif "\n" in text:
                self.problem(f"{key} entry {position} must be a single line.", key)
            elif "\x00" in text:
                self.problem(f"{key} entry {position} contains a NUL character.", key)
            elif not text:
                self.problem(f"{key} entry {position} is empty.", key)
            else:
                values.append(text)
        return values

    def entries(self, key: str, keys: dict, label: str) -> list["_Fields"]:
        """The entries of a list of mappings (codes, criteria sets and their
        groups, references)."""
        entries = []
        # Nested entries (a set's groups) are flagged under their parent's
        # name ("criteria_sets.1.groups.2"), so two sets' groups stay apart.
        parent = f"{self.entry_flag}." if self.entry_flag else ""
        for position, entry in enumerate(self._list(key), start=1):
            where = f"{self.where}{label} {position}: "
            flag = f"{parent}{key}.{position}"
            if not isinstance(entry, dict):
                self.parsed.problems.append(
                    f"{where}must be a set of 'key: value' lines, e.g. "
                    f"'- {sorted(keys['required'])[0]}: …'."
                )
                self.parsed.flagged.add(flag)
                # An empty placeholder keeps positions aligned with the file.
                entry, keys_here = {}, {"required": set(), "optional": set()}
            else:
                keys_here = keys
            entries.append(_Fields(entry, keys_here, self.parsed, (where, flag)))
        return entries


def parse_condition(path: Path) -> Parsed:
    """A condition file as data, with every problem of its shape."""
    header, summary = split_front_matter(path)
    parsed = Parsed(data={})
    if "criteria" in header:
        header = {key: value for key, value in header.items() if key != "criteria"}
        parsed.problems.append(OLD_CRITERIA)
        parsed.flagged.add("criteria_sets")
    fields = _Fields(header, CONDITION_KEYS, parsed)
    codes = []
    for entry in fields.entries("codes", CODE_KEYS, "code"):
        # Whether the system is loaded and the code active in its current
        # release is the catalogue's to say (checking.py).
        codes.append({"system": entry.text("system"), "code": entry.text("code")})
    criteria_sets = [
        _criteria_set(entry, position)
        for position, entry in enumerate(
            fields.entries("criteria_sets", CRITERIA_SET_KEYS, "criteria set"),
            start=1,
        )
    ]
    parsed.data = {
        "name": fields.text("name"),
        "slug": fields.text("slug"),
        "acronym": fields.text("acronym"),
        "acronym_expansion": fields.text("acronym_expansion"),
        "synonyms": fields.text_list("synonyms"),
        "prevalence": fields.text("prevalence"),
        "review_interval_days": fields.whole_number("review_interval_days", None),
        "summary": summary,
        "codes": codes,
        "criteria_sets": criteria_sets,
    }
    return parsed


def _criteria_set(entry: _Fields, position: int) -> dict:
    groups = []
    for order, group in enumerate(
        entry.entries("groups", CRITERIA_GROUP_KEYS, "group"), start=1
    ):
        items = group.text_list("items")
        if not items and isinstance(group.data.get("items", ()), list | None):
            # The seed page's defect: a lead-in promising criteria, then nothing.
            group.problem(
                "has no items; a group of criteria can never be empty.", "items"
            )
        groups.append(
            {
                "category": group.text("category"),
                "count_rule": group.text("count_rule"),
                "items": items,
                "order": order,
            }
        )
    if not groups and isinstance(entry.data.get("groups", ()), list | None):
        entry.problem("has no groups; add at least one group of criteria.", "groups")
    return {
        "title": entry.text("title"),
        "applies_to": entry.text("applies_to"),
        "source": entry.text("source"),
        "version": entry.text("version"),
        "rule": entry.text("rule", single_line=False),
        "order": position,
        "groups": groups,
    }


def parse_question(path: Path) -> Parsed:
    """A question file as data, with every problem of its shape."""
    header, body = split_front_matter(path)
    parsed = Parsed(data={})
    fields = _Fields(header, QUESTION_KEYS, parsed)
    references = []
    for entry in fields.entries("references", REFERENCE_KEYS, "reference"):
        citation = entry.text("citation", single_line=False)
        if not citation and "citation" in entry.data:
            entry.problem("'citation' is empty; say what the source is.", "citation")
        references.append(
            {
                "citation": citation,
                "url": entry.text("url"),
                "pmid": entry.text("pmid"),
                "doi": entry.text("doi"),
            }
        )
    parsed.data = {
        "condition": fields.text("condition"),
        "text": fields.text("question"),
        "slug": fields.text("slug"),
        "kind": fields.choice("kind", QuestionKind.values, QuestionKind.SHORT_ANSWER),
        "topic": fields.choice("topic", Topic.values, Topic.ABOUT),
        "order": fields.whole_number("order", 0),
        "show_criteria": fields.boolean("show_criteria", False),
        "short_answer": fields.text("short_answer", single_line=False),
        "body": body,
        "references": references,
    }
    return parsed


def read_condition(path: Path) -> dict:
    parsed = parse_condition(path)
    if parsed.problems:
        raise ContentFileError(path, parsed.problems)
    return parsed.data


def read_question(path: Path) -> dict:
    parsed = parse_question(path)
    if parsed.problems:
        raise ContentFileError(path, parsed.problems)
    return parsed.data


def _without_blanks(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if value not in ("", None)}


def _render(header: dict, body: str) -> str:
    # width: long lines wrap at spaces (and read back unchanged), so a file
    # stays readable in an editor and in a diff.
    yaml_text = yaml.dump(
        header,
        Dumper=ContentDumper,
        sort_keys=False,
        allow_unicode=True,
        width=80,
        default_flow_style=False,
    )
    body = body.strip()
    return f"{FENCE}\n{yaml_text}{FENCE}\n" + (f"{body}\n" if body else "")


def render_condition(data: dict) -> str:
    """A condition file for `data` (the shape `read_condition` returns).

    Optional keys that are empty are left out; reading the file gives them the
    same empty values back.
    """
    header = {
        "name": data["name"],
        "slug": data["slug"],
        "acronym": data["acronym"],
        "acronym_expansion": data["acronym_expansion"],
        "synonyms": list(data["synonyms"]),
        "prevalence": data["prevalence"],
        "review_interval_days": data["review_interval_days"],
        "codes": [
            {"system": code["system"], "code": code["code"]} for code in data["codes"]
        ],
        "criteria_sets": [
            _without_blanks(
                {
                    "title": entry["title"],
                    "applies_to": entry["applies_to"],
                    "source": entry["source"],
                    "version": entry["version"],
                    "rule": entry["rule"],
                    "groups": [
                        _without_blanks(
                            {
                                "category": group["category"],
                                "count_rule": group["count_rule"],
                                "items": list(group["items"]),
                            }
                        )
                        for group in entry["groups"]
                    ],
                }
            )
            for entry in data["criteria_sets"]
        ],
    }
    header = {
        key: header[key]
        for key in CONDITION_ORDER
        if key in CONDITION_KEYS["required"] or header[key] not in ("", None, [])
    }
    return _render(header, data["summary"])


def render_question(data: dict) -> str:
    """A question file for `data` (the shape `read_question` returns).

    Every key is written, so a file always shows the kind, topic and order it
    will get.
    """
    header: dict[str, Any] = {
        "condition": data["condition"],
        "question": data["text"],
        "slug": data["slug"],
        "kind": data["kind"],
        "topic": data["topic"],
        "order": data["order"],
        "show_criteria": data["show_criteria"],
        "short_answer": data["short_answer"],
        "references": [
            _without_blanks(
                {
                    "citation": reference["citation"],
                    "url": reference["url"],
                    "pmid": reference["pmid"],
                    "doi": reference["doi"],
                }
            )
            for reference in data["references"]
        ],
    }
    return _render({key: header[key] for key in QUESTION_ORDER}, data["body"])
