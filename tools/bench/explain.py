"""EXPLAIN (ANALYZE, BUFFERS) every query the benchmarked pages run, at full size.

`tools/bench/run.py` calls this after counting queries: the captured SQL of each
scenario is run again under EXPLAIN, in a transaction that is rolled back, on
the large dataset. A sequential scan of a table that grows with the site
(`tools.query_plans.GROWING_TABLES`) with more than SMALL_TABLE_ROWS
rows fails the check; every plan goes to explain.txt in the run's working
directory.

    python -m tools.bench.explain QUERIES.json DATABASE_URL OUT.txt
"""

import json
import sys
import time
from pathlib import Path

import psycopg

from tools.query_plans import (
    GROWING_TABLES,
    bitmap_indexes,
    explain,
    is_control,
    scans,
    sequential_scans,
)


def _text_plan(cursor, sql: str, analyze: bool) -> str:
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    cursor.execute(f"EXPLAIN ({options}) {sql}")
    return "\n".join(row[0] for row in cursor.fetchall())


# A growing table that is still this small in the dataset may be read whole:
# the planner rightly prefers that, and the test suite's EXPLAIN with
# enable_seqscan off shows that an index exists for when it grows.
SMALL_TABLE_ROWS = 1000


def _row_estimates(cursor) -> dict[str, float]:
    cursor.execute(
        "SELECT relname, reltuples FROM pg_class "
        "WHERE relkind = 'r' AND relname = ANY(%s)",
        [sorted(GROWING_TABLES)],
    )
    return dict(cursor.fetchall())


def check(captured: dict, database_url: str, out: Path) -> dict:
    report: dict[str, list[dict]] = {}
    lines: list[str] = []
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        sizes = _row_estimates(cursor)
        big = {table for table, rows in sizes.items() if rows >= SMALL_TABLE_ROWS}
        for scenario, data in captured.items():
            rows = report.setdefault(scenario, [])
            lines.append(f"===== {scenario}")
            for number, sql in enumerate(data["sql"], start=1):
                if is_control(sql):
                    continue
                if sql.startswith("SELECT set_config("):
                    cursor.execute(sql)  # a setting the next queries depend on
                    continue
                # Reads run for real; writes are only planned (the page's own
                # request already wrote the same row once).
                analyze = sql.lstrip().upper().startswith(("SELECT", "WITH"))
                cursor.execute("SAVEPOINT explain")
                try:
                    started = time.perf_counter()
                    plan = explain(cursor, sql, analyze=analyze)
                    elapsed = (time.perf_counter() - started) * 1000
                    text = _text_plan(cursor, sql, analyze)
                except psycopg.Error as error:
                    cursor.execute("ROLLBACK TO SAVEPOINT explain")
                    rows.append({"query": number, "error": str(error).strip()})
                    lines.append(f"-- query {number}: could not explain: {error}")
                    continue
                bad = sequential_scans(plan, big)
                rows.append(
                    {
                        "query": number,
                        "ms": round(plan.get("Execution Time", elapsed), 2),
                        "scans": [str(scan) for scan in scans(plan)],
                        "bitmap_indexes": list(bitmap_indexes(plan)),
                        "sequential": [str(scan) for scan in bad],
                    }
                )
                lines.append(f"-- query {number}{' SEQUENTIAL SCAN' if bad else ''}")
                lines.append(sql)
                lines.append(text)
                lines.append("")
            connection.rollback()
    out.write_text("\n".join(lines))
    return report


def summary(report: dict) -> tuple[list[str], list[str]]:
    """Readable lines, and the sequential scans of growing tables."""
    lines, failures = [], []
    for scenario, rows in report.items():
        for row in rows:
            if "error" in row:
                lines.append(f"  {scenario} q{row['query']}: {row['error']}")
                continue
            used = sorted(
                {scan.split(" (")[0] for scan in row["scans"]}
                | {f"Bitmap Index Scan using {i}" for i in row["bitmap_indexes"]}
            )
            lines.append(
                f"  {scenario} q{row['query']}: {row['ms']:.1f} ms; "
                + ("; ".join(used) or "no table")
            )
            failures += [f"{scenario} q{row['query']}: {s}" for s in row["sequential"]]
    return lines, failures


def main(argv: list[str]) -> None:
    queries, database_url, out = json.loads(Path(argv[0]).read_text()), argv[1], argv[2]
    report = check(queries, database_url, Path(out))
    lines, failures = summary(report)
    print("\n".join(lines))
    if failures:
        print("SEQUENTIAL SCANS OF GROWING TABLES:")
        print("\n".join(f"  {failure}" for failure in failures))
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
