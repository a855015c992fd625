"""What a run produced: the published tables, their row counts, and how to open them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import duckdb

from loaders.publish import previous_path, serving_views
from loaders.settings import DEMO_SALT, Paths
from loaders.sql import quote_ident

log = logging.getLogger(__name__)


def published_counts(serving_db: Path) -> list[tuple[str, int]]:
    """(schema.table, rows) for every table of the published file."""
    with duckdb.connect(str(serving_db), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() "
            "order by schema_name, table_name"
        ).fetchall()
        return [
            (f"{schema}.{table}", _count(conn, schema, table))
            for schema, table in tables
        ]


def serving_counts(warehouse_db: Path) -> list[tuple[str, int]]:
    """(schema.view, rows) for every serving view, read from the warehouse alone."""
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        catalog = conn.execute("select current_database()").fetchone()[0]
        return [
            (f"{schema}.{view}", _count(conn, schema, view))
            for schema, view in serving_views(conn, catalog)
        ]


def _count(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> int:
    table = f"{quote_ident(schema)}.{quote_ident(name)}"
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


MATCH_RATES = "audit.digital_activity_identity_match_rates"


def activity_by_source(warehouse_db: Path) -> list[tuple[str, int, int]]:
    """(event_object, digital_activity rows, rows whose actor is a student on the
    SIS roster) per source report; empty before the first build."""
    if not warehouse_db.exists():
        return []
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        exists = conn.execute(
            "select count(*) from duckdb_tables() where database_name = "
            "current_database() and schema_name = 'audit' "
            "and table_name = 'digital_activity_identity_match_rates'"
        ).fetchone()[0]
        if not exists:
            return []
        return conn.execute(
            "select event_object, cast(sum(activity_rows) as bigint), "
            f"cast(sum(matched_rows) as bigint) from {MATCH_RATES} "
            "group by event_object order by event_object"
        ).fetchall()


def unmatched_sources(by_source: list[tuple[str, int, int]]) -> list[str]:
    """Sources with activity of which no row reaches a student on the roster."""
    return [name for name, rows, matched in by_source if rows and not matched]


def _by_source_lines(by_source: list[tuple[str, int, int]]) -> list[str]:
    if not by_source:
        return []
    title = "digital_activity by source"
    width = max(len(title), *(len(name) for name, _, _ in by_source))
    lines = ["", f"{title.ljust(width)}  {'rows':>12}  matched to a SIS student"]
    lines += [
        f"{name.ljust(width)}  {rows:>12,}  {matched / rows:>8.1%}"
        for name, rows, matched in by_source
        if rows
    ]
    return lines


# -- Hybrid engagement per school (issue 5) -------------------------------------------

ENGAGEMENT_BY_SCHOOL = "sqls3_hybrid_engagement.engagement_by_school"
HYBRID_CATEGORIES = (
    ("in_person_and_digital_days", "both"),
    ("in_person_only_days", "in-p only"),
    ("digital_only_days", "dig only"),
    ("not_engaged_days", "neither"),
)


def hybrid_engagement_lines(serving_db: Path) -> list[str]:
    """The hybrid engagement table per school and school year from the published
    file: students, the share of student-days in each category, the three rates
    and the chronically absent; suppressed (small) schools show only their student
    count."""
    with duckdb.connect(str(serving_db), read_only=True) as conn:
        exists = conn.execute(
            "select count(*) from duckdb_tables() where database_name = "
            "current_database() and schema_name = 'sqls3_hybrid_engagement' "
            "and table_name = 'engagement_by_school'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = conn.execute(
            "select coalesce(school_name, school_id, '(no school)'), school_year, "
            "students, school_days, "
            + ", ".join(column for column, _ in HYBRID_CATEGORIES)
            + ", in_person_rate, digital_rate, hybrid_rate, "
            "chronically_absent_students, is_suppressed "
            f"from {ENGAGEMENT_BY_SCHOOL} order by 1, 2"
        ).fetchall()
    if not rows:
        return []
    width = max(len("school"), *(len(row[0]) for row in rows))
    header = (
        f"{'school'.ljust(width)}  {'year':>4}  {'students':>8}  "
        + "  ".join(f"{label:>9}" for _, label in HYBRID_CATEGORIES)
        + f"  {'in_person':>9}  {'digital':>9}  {'hybrid':>9}  {'chronic':>7}"
    )
    lines = [
        "",
        "Hybrid engagement by school and school year: share of student-days in person"
        " and digital (both),",
        "in person only, digital only, neither; in_person, digital and hybrid rates;"
        " chronically absent students",
        header,
    ]
    for name, year, students, school_days, *measures in rows:
        categories, rates, chronic, suppressed = (
            measures[:4],
            measures[4:7],
            measures[7],
            measures[8],
        )
        prefix = f"{name.ljust(width)}  {year or '':>4}  {students:>8,}  "
        if suppressed:
            lines.append(prefix + "suppressed (too few students to publish)")
            continue
        shares = [days / school_days if school_days else None for days in categories]
        cells = [f"{v:>9.1%}" if v is not None else f"{'-':>9}" for v in shares]
        cells += [f"{v:>9.1%}" if v is not None else f"{'-':>9}" for v in rates]
        lines.append(prefix + "  ".join(cells) + f"  {chronic:>7,}")
    return lines


def render(paths: Paths, by_source: list[tuple[str, int, int]] = ()) -> str:
    if paths.serving_db.exists():
        counts = published_counts(paths.serving_db)
        title = f"Published for BI tools: {paths.serving_db}"
        heading = "Tables"
    else:
        counts = serving_counts(paths.warehouse_db)
        title = (
            f"Nothing published yet ({paths.serving_db} does not exist); the "
            f"warehouse {paths.warehouse_db} holds"
        )
        heading = "Serving views"
    width = max((len(name) for name, _ in counts), default=10)
    lines = [title, "", f"{heading.ljust(width)}  {'rows':>12}"]
    lines += [f"{name.ljust(width)}  {rows:>12,}" for name, rows in counts]
    lines += _by_source_lines(list(by_source))
    if paths.serving_db.exists():
        lines += hybrid_engagement_lines(paths.serving_db)
    if previous_path(paths.serving_db).exists():
        lines += [
            "",
            f"Previous version (for rollback): {previous_path(paths.serving_db)}",
        ]
    if paths.docs_file.exists():
        lines += [f"Docs and lineage (open in a browser): {paths.docs_file}"]
    # -- the HTML report --
    if paths.report_file.exists():
        lines += [f"Report (open in a browser, works offline): {paths.report_file}"]
    lines += ["", *how_to_open(paths.serving_db)]
    return "\n".join(lines)


def shown(path: Path) -> str:
    """A path as a user types it here: relative to the current folder when inside
    it (`.venv/bin/python`, `data/demo/serving.duckdb`), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def how_to_open(serving_db: Path) -> list[str]:
    """Commands that open the published file read-only, as printed: each works
    when pasted into a shell in the current folder."""
    python = shown(Path(sys.executable))
    duckdb_cli = shown(Path(sys.executable).with_name("duckdb"))
    serving = shown(serving_db)
    return [
        "Open it read-only (it is replaced whole on every publish; readers never "
        "block a build):",
        f"  {python} -c \"import duckdb; duckdb.connect('{serving}', read_only=True)"
        ".sql('from sqls3_hybrid_engagement.engagement_by_school').show()\"",
        f"  {duckdb_cli} -readonly {serving}   # the DuckDB CLI (PyPI's duckdb-cli)",
        "BI tools (Power BI, Tableau, Metabase, Superset, Evidence, DBeaver): "
        "docs/connecting-bi-tools.md",
    ]


def demo_hint(paths: Paths) -> str:
    """What the demo prints last: how to run the other commands on its data."""
    return "\n".join(
        [
            "",
            "The other commands work on the demo's data with its folder and its "
            "public salt:",
            f"  export HE_DATA_DIR={shown(paths.data_dir)} "
            f"HE_PSEUDONYM_SALT={DEMO_SALT}",
            f"  {shown(Path(sys.executable).with_name('hybrid-engagement'))} summary",
        ]
    )


class NothingToSummarize(Exception):
    """Neither a published file nor a warehouse exists yet."""


def summary_text(paths: Paths) -> str:
    """What `summary` prints (and `pipeline`, `publish` and `demo` after a run):
    the published tables or serving views, digital activity per source, and how to
    open the file. Warns first about sources whose activity reaches no student on
    the SIS roster."""
    if not paths.serving_db.exists() and not paths.warehouse_db.exists():
        raise NothingToSummarize(f"no warehouse yet at {paths.warehouse_db}")
    by_source = activity_by_source(paths.warehouse_db)
    for source in unmatched_sources(by_source):
        log.warning(
            "no %s activity reaches a student on the SIS roster: its ids do not line "
            "up with the SIS ids (see audit."
            "digital_activity_identity_match_rates)",
            source,
        )
    return render(paths, by_source)
