"""The readers: each reads one delivered file straight into its raw table.

Every record the reader can read is inserted with its file, line (`_source_row`),
content hash and load time; lines that are not records at all (too many fields, a
broken quote, a JSON line that is not a page) go to temp.he_structural with their
line, the rule they break (no value) and the reason. loaders/readers/rules.py then
decides which inserted records stay, and the load moves the others to the rejects,
all in the file's one transaction.

    csv_files.py    a CSV with a header row, or headerless with columns from a schema
    json_pages.py   JSON pages, one {"value": [...]} object per line (Graph API)

Rows are read by DuckDB's CSV and text readers, never by a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from loaders.readers import csv_files, json_pages
from loaders.restricted import RECORD_COLUMN
from loaders.specs import DeliveredFile
from loaders.sql import literal, quote_ident


@dataclass(frozen=True)
class Target:
    """Where and how a file's records are inserted."""

    table: str  # qualified raw table
    columns: tuple[str, ...]  # the file's columns, in the file's order
    constants: dict[str, str]  # metadata columns with one value for the whole file
    file_path: str
    file_sha256: str
    loaded_at: datetime

    def insert_sql(self, select_columns: list[str], line: str, record: str) -> str:
        """`insert into <raw> (...) select ...` of one record per row of the
        relation it is followed by, with lineage; `line`/`record` are SQL."""
        targets = [
            *self.columns,
            *self.constants,
            "_source_file",
            "_source_row",
            "_file_sha256",
            "_loaded_at",
        ]
        values = [
            *select_columns,
            *(literal(value) for value in self.constants.values()),
            literal(self.file_path),
            line,
            literal(self.file_sha256),
            f"cast({literal(self.loaded_at.isoformat(sep=' '))} as timestamp)",
        ]
        if record != "null":
            targets.append(RECORD_COLUMN)
            values.append(record)
        return (
            f"insert into {self.table} ({', '.join(quote_ident(t) for t in targets)}) "
            f"select {', '.join(values)}"
        )


@dataclass(frozen=True)
class Read:
    """What reading a file found besides its rows."""

    rows_read: int
    rows_padded: int = 0  # headerless rows whose missing trailing fields read as NULL


WORK_TABLES_DDL = """
create temp table if not exists he_structural (
    line bigint, rule varchar, reason varchar, record varchar
);
create temp table if not exists he_decisions (
    _source_row bigint, he_record bigint, reason varchar, rule varchar
);
"""


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the work tables a load fills per file. They are emptied and filled
    again for each file rather than created anew: DuckDB frees a dropped table
    only when its transaction commits, and a batch of files is one transaction."""
    conn.execute(WORK_TABLES_DDL)


def read(
    conn: duckdb.DuckDBPyConnection,
    found: DeliveredFile,
    target: Target,
    encoding: str,
) -> Read:
    """Insert the file's records into its raw table and fill temp.he_structural;
    raises duckdb.Error when DuckDB's reader cannot read the file at all."""
    conn.execute("delete from temp.he_structural")
    if found.reader == "json_pages":
        return Read(rows_read=json_pages.read(conn, found, target))
    return Read(*csv_files.read(conn, found, target, encoding))
