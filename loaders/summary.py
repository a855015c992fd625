"""What a run produced: the published tables, their row counts, and how to open them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.publish import previous_path, serving_views
from loaders.settings import Paths


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
    return conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]


MATCH_RATES = "digital_engagement.digital_activity_identity_match_rates"


def activity_by_source(warehouse_db: Path) -> list[tuple[str, int, int]]:
    """(event_object, digital_activity rows, rows whose actor is a student on the
    SIS roster) per source report; empty before the first build."""
    if not warehouse_db.exists():
        return []
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        exists = conn.execute(
            "select count(*) from duckdb_tables() where database_name = "
            "current_database() and schema_name = 'digital_engagement' "
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
    lines += [
        "",
        "Open it read-only; it is replaced whole on every publish and readers never",
        "block a build:",
        f"  python -c \"import duckdb; duckdb.connect('{paths.serving_db}', "
        "read_only=True).sql('from sqls2_digital_activity.digital_activity limit 5')"
        '.show()"',
        f"  duckdb -readonly {paths.serving_db}        # with the DuckDB CLI",
        "  BI tools (Power BI, Tableau, Metabase, Superset, Evidence, DBeaver): see",
        '  "Connect a BI tool" in the README.',
    ]
    return "\n".join(lines)
