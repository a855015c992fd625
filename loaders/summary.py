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


def render(paths: Paths) -> str:
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
    if previous_path(paths.serving_db).exists():
        lines += [
            "",
            f"Previous version (for rollback): {previous_path(paths.serving_db)}",
        ]
    if paths.docs_file.exists():
        lines += [f"Docs and lineage (open in a browser): {paths.docs_file}"]
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
