"""Reading PostgreSQL query plans: which tables a query scans, and how.

Shared by the PostgreSQL test that every public page's queries can use an
index (diseasemaps/tests/test_query_plans.py) and by `tools/bench/explain.py`, which
shows the plans on the full-size dataset.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

# Tables that grow with the site: a public page must never read them whole.
GROWING_TABLES = frozenset(
    {
        "answers_condition",
        "answers_question",
        "answers_answerrevision",
        "answers_reviewevent",
        "answers_searchentry",
        "answers_conditioncode",
        "answers_criteriaset",
        "answers_criteriagroup",
        "community_member",
        "community_membercondition",
        "community_experience",
        "community_report",
        "community_moderationevent",
        "auth_user",
        "django_session",
    }
)

# Statements that are not queries of their own: run them, do not explain them.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass(frozen=True)
class Scan:
    node: str  # "Seq Scan", "Index Scan", "Bitmap Heap Scan", ...
    table: str
    index: str = ""
    rows: int = 0
    # An index scan without a condition reads the whole index in order; under
    # a LIMIT that is "the newest N", without one it is the whole table.
    unbounded: bool = False

    @property
    def sequential(self) -> bool:
        return self.node == "Seq Scan"

    @property
    def whole_table(self) -> bool:
        return self.sequential or self.unbounded

    def __str__(self) -> str:
        using = f" using {self.index}" if self.index else ""
        whole = " (all of it)" if self.unbounded else ""
        return f"{self.node}{using} on {self.table}{whole} ({self.rows} rows)"


def scans(plan: dict, *, limited: bool = False) -> Iterator[Scan]:
    """Every node of a JSON plan that reads a table, depth first."""
    node = plan.get("Plan", plan)
    limited = limited or node["Node Type"] == "Limit"
    if "Relation Name" in node:
        index_scan = node["Node Type"] in {"Index Scan", "Index Only Scan"}
        yield Scan(
            node=node["Node Type"],
            table=node["Relation Name"],
            index=node.get("Index Name", ""),
            rows=int(node.get("Actual Rows", node.get("Plan Rows", 0))),
            unbounded=index_scan and "Index Cond" not in node and not limited,
        )
    for child in node.get("Plans", []):
        yield from scans(child, limited=limited)


def bitmap_indexes(plan: dict) -> Iterator[str]:
    """Indexes read by Bitmap Index Scan nodes (they carry no table name)."""
    node = plan.get("Plan", plan)
    if node.get("Node Type") == "Bitmap Index Scan":
        yield node["Index Name"]
    for child in node.get("Plans", []):
        yield from bitmap_indexes(child)


def explain(cursor, sql: str, *, analyze: bool = False) -> dict:
    """The plan of `sql` as PostgreSQL's JSON; with `analyze` the statement
    runs (callers wrap writes in a transaction they roll back)."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    cursor.execute(f"EXPLAIN ({options}) {sql}")
    value = cursor.fetchone()[0]
    if isinstance(value, str):
        value = json.loads(value)
    return value[0]


def is_control(sql: str) -> bool:
    return sql.lstrip().upper().startswith(CONTROL)


def sequential_scans(plan: dict, tables=GROWING_TABLES) -> list[Scan]:
    """Reads of a whole growing table: a Seq Scan, or an index read end to end."""
    return [scan for scan in scans(plan) if scan.whole_table and scan.table in tables]
