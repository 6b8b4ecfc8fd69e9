"""Read content files: Markdown with a YAML front-matter header.

One `condition.md` per condition folder and one file per question; the format
is described in docs/content-format.md. Readers return plain dicts and raise
ContentFileError naming the file and the problem.
"""

from pathlib import Path

import yaml

from answers.models import CodingSystem, QuestionKind, Topic

CONDITION_KEYS = {
    "required": {"name", "slug"},
    "optional": {
        "acronym",
        "acronym_expansion",
        "synonyms",
        "prevalence",
        "review_interval_days",
        "codes",
        "criteria",
    },
}
QUESTION_KEYS = {
    "required": {"condition", "question", "slug", "short_answer", "references"},
    "optional": {"kind", "topic", "order", "show_criteria"},
}


class ContentFileError(ValueError):
    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def split_front_matter(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentFileError(path, "is not UTF-8 text.") from None
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ContentFileError(path, "must start with a '---' front-matter line.")
    end = text.find("\n---\n", 4)
    if end == -1:
        raise ContentFileError(path, "front matter is not closed with a '---' line.")
    try:
        header = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise ContentFileError(
            path, f"front matter is not valid YAML{where}."
        ) from None
    if not isinstance(header, dict):
        raise ContentFileError(
            path, "front matter must be a set of 'key: value' lines."
        )
    return header, text[end + 5 :].strip()


def _check_keys(path: Path, header: dict, keys: dict) -> None:
    missing = sorted(keys["required"] - header.keys())
    if missing:
        raise ContentFileError(
            path, f"missing required field(s): {', '.join(missing)}."
        )
    unknown = sorted(header.keys() - keys["required"] - keys["optional"])
    if unknown:
        raise ContentFileError(path, f"unknown field(s): {', '.join(unknown)}.")


def _text(path: Path, header: dict, key: str) -> str:
    value = header.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ContentFileError(path, f"'{key}' must be text.")
    return str(value).strip()


def _list(path: Path, header: dict, key: str) -> list:
    value = header.get(key) or []
    if not isinstance(value, list):
        raise ContentFileError(path, f"'{key}' must be a list.")
    return value


def read_condition(path: Path) -> dict:
    header, summary = split_front_matter(path)
    _check_keys(path, header, CONDITION_KEYS)
    codes = []
    for entry in _list(path, header, "codes"):
        if not isinstance(entry, dict) or {"system", "code"} - entry.keys():
            raise ContentFileError(path, "each code needs 'system' and 'code'.")
        if entry["system"] not in CodingSystem.values:
            raise ContentFileError(
                path,
                f"unknown coding system '{entry['system']}'; use one of "
                f"{', '.join(CodingSystem.values)}.",
            )
        codes.append({"system": entry["system"], "code": str(entry["code"]).strip()})
    criteria = []
    for position, entry in enumerate(_list(path, header, "criteria"), start=1):
        if (
            not isinstance(entry, dict)
            or {"category", "items", "source"} - entry.keys()
        ):
            raise ContentFileError(
                path, "each criteria list needs 'category', 'items' and 'source'."
            )
        items = [str(i).strip() for i in entry.get("items") or [] if str(i).strip()]
        if not items:
            raise ContentFileError(
                path, f"criteria list '{entry['category']}' has no items."
            )
        criteria.append(
            {
                "category": str(entry["category"]).strip(),
                "items": items,
                "source": str(entry["source"]).strip(),
                "version": str(entry.get("version") or "").strip(),
                "order": position,
            }
        )
    interval = header.get("review_interval_days")
    if interval is not None and not isinstance(interval, int):
        raise ContentFileError(path, "'review_interval_days' must be a whole number.")
    return {
        "name": _text(path, header, "name"),
        "slug": _text(path, header, "slug"),
        "acronym": _text(path, header, "acronym"),
        "acronym_expansion": _text(path, header, "acronym_expansion"),
        "synonyms": [str(s).strip() for s in _list(path, header, "synonyms")],
        "prevalence": _text(path, header, "prevalence"),
        "review_interval_days": interval,
        "summary": summary,
        "codes": codes,
        "criteria": criteria,
    }


def read_question(path: Path) -> dict:
    header, body = split_front_matter(path)
    _check_keys(path, header, QUESTION_KEYS)
    kind = _text(path, header, "kind") or QuestionKind.SHORT_ANSWER
    if kind not in QuestionKind.values:
        raise ContentFileError(
            path, f"unknown kind '{kind}'; use {', '.join(QuestionKind.values)}."
        )
    topic = _text(path, header, "topic") or Topic.ABOUT
    if topic not in Topic.values:
        raise ContentFileError(
            path, f"unknown topic '{topic}'; use one of {', '.join(Topic.values)}."
        )
    order = header.get("order", 0)
    if not isinstance(order, int) or order < 0:
        raise ContentFileError(path, "'order' must be a whole number, 0 or more.")
    references = []
    for entry in _list(path, header, "references"):
        if not isinstance(entry, dict) or not str(entry.get("citation") or "").strip():
            raise ContentFileError(path, "each reference needs a 'citation'.")
        references.append(
            {
                "citation": str(entry["citation"]).strip(),
                "url": str(entry.get("url") or "").strip(),
                "pmid": str(entry.get("pmid") or "").strip(),
                "doi": str(entry.get("doi") or "").strip(),
            }
        )
    return {
        "condition": _text(path, header, "condition"),
        "text": _text(path, header, "question"),
        "slug": _text(path, header, "slug"),
        "kind": kind,
        "topic": topic,
        "order": order,
        "show_criteria": bool(header.get("show_criteria", False)),
        "short_answer": _text(path, header, "short_answer"),
        "body": body,
        "references": references,
    }
