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


def render(warehouse_db: Path, counts: list[tuple[str, int]]) -> str:
    width = max((len(name) for name, _ in counts), default=10)
    lines = [f"Warehouse: {warehouse_db}", "", "Serving views".ljust(width) + "  rows"]
    lines += [f"{name.ljust(width)}  {rows:>12,}" for name, rows in counts]
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
