"""What a run produced: the serving views, their row counts, and how to open them."""

from __future__ import annotations

from pathlib import Path

import duckdb

SERVING_SCHEMA_PREFIXES = ("sqls2_", "sqls3_")


def serving_counts(warehouse_db: Path) -> list[tuple[str, int]]:
    """(schema.view, rows) for every serving view, read from the warehouse alone."""
    with duckdb.connect(str(warehouse_db), read_only=True) as conn:
        views = conn.execute(
            "select schema_name, view_name from duckdb_views() "
            "where database_name = current_database() and not internal "
            "order by schema_name, view_name"
        ).fetchall()
        return [
            (
                f"{schema}.{view}",
                conn.execute(f'select count(*) from "{schema}"."{view}"').fetchone()[0],
            )
            for schema, view in views
            if schema.startswith(SERVING_SCHEMA_PREFIXES)
        ]


MATCH_RATES = "digital_engagement.digital_activity_identity_match_rates"


def activity_by_source(warehouse_db: Path) -> list[tuple[str, int, int]]:
    """(event_object, digital_activity rows, rows whose actor is a student on the
    SIS roster) per source report; empty before the first build."""
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


def render(
    warehouse_db: Path,
    counts: list[tuple[str, int]],
    by_source: list[tuple[str, int, int]] = (),
) -> str:
    width = max((len(name) for name, _ in counts), default=10)
    lines = [f"Warehouse: {warehouse_db}", "", "Serving views".ljust(width) + "  rows"]
    lines += [f"{name.ljust(width)}  {rows:>12,}" for name, rows in counts]
    if by_source:
        title = "digital_activity by source"
        source_width = max(len(title), *(len(name) for name, _, _ in by_source))
        lines += [
            "",
            f"{title.ljust(source_width)}  {'rows':>12}  matched to a SIS student",
        ]
        lines += [
            f"{name.ljust(source_width)}  {rows:>12,}  {matched / rows:>8.1%}"
            for name, rows, matched in by_source
            if rows
        ]
    lines += [
        "",
        "Open it read-only (nothing else may write while a BI tool holds it):",
        f"  python -c \"import duckdb; duckdb.connect('{warehouse_db}', "
        "read_only=True).sql('from sqls2_digital_activity.digital_activity limit 5')"
        '.show()"',
        f"  duckdb -readonly {warehouse_db}        # with the DuckDB CLI",
        "  In DBeaver, Metabase, Superset or Evidence: a DuckDB connection to that",
        "  path, opened read-only.",
    ]
    return "\n".join(lines)
