"""Writing generated deliveries: one ordered COPY per file, renamed into place.

Each file's rows come from one query with an ORDER BY, so the same seed gives the
same bytes whatever DuckDB's thread count. A file is written beside its final name
and renamed, so a loader never sees half a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

Format = Literal["csv", "csv_no_header", "json"]


def copy_to(
    conn: duckdb.DuckDBPyConnection, query: str, path: Path, fmt: Format
) -> None:
    """Write the rows of `query` to `path`: CSV with or without a header row, or
    one JSON object per row (one line each)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    options = {
        "csv": "format csv, header",
        "csv_no_header": "format csv, header false",
        "json": "format json",
    }[fmt]
    conn.execute(f"copy ({query}) to '{partial}' ({options})")
    partial.replace(path)


def iso(day: object) -> str:
    return str(day)[:10]
