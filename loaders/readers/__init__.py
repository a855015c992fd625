"""The readers: they read delivered files straight into their raw table.

The files of one table that arrive in a batch and are read the same way (same
columns, same encoding) form a `Group`, and a group is read by one DuckDB statement:
DuckDB's reader then works on all of them at once, and the checks that follow run
once per group rather than once per file. Every record the reader can read is
inserted with its file, line (`_source_row`), content hash and load time; lines that
are not records at all (too many fields, a broken quote, a JSON line that is not a
page) go to temp.he_structural with their file, line, the rule they break (no value)
and the reason. loaders/readers/rules.py then decides which inserted records stay,
and the load moves the others to the rejects, all in the batch's one transaction.

    csv_files.py    CSVs with a header row, or headerless with columns from a schema
    json_pages.py   JSON pages, one {"value": [...]} object per line (Graph API)

Rows are read by DuckDB's CSV and text readers, never by a Python loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from loaders.readers import csv_files, json_pages
from loaders.restricted import RECORD_COLUMN
from loaders.specs import RawTable, Reader
from loaders.sql import literal, quote_ident


@dataclass(frozen=True)
class GroupFile:
    path: Path  # where it is on disk
    file_path: str  # relative to the landing folder: the manifest's and rows' name
    file_sha256: str
    file_id: int  # its manifest row
    constants: Mapping[str, str]  # metadata columns with one value for the file
    # When its rows count as loaded: files of a group get increasing times in the
    # order they arrive, so staging's "later delivery wins" sees them in that order.
    loaded_at: datetime
    lines: int = 0  # its lines, counted while it was hashed


@dataclass(frozen=True)
class Group:
    """Files of one table read by one statement."""

    table: RawTable
    reader: Reader
    header: tuple[str, ...]  # the files' columns, in the files' order
    encoding: str
    files: tuple[GroupFile, ...]

    @property
    def has_records(self) -> bool:
        """Whether the table keeps each record's place in its JSON page."""
        return RECORD_COLUMN in self.table.metadata_columns

    @property
    def constant_names(self) -> tuple[str, ...]:
        return tuple(self.files[0].constants)

    def insert_sql(self, values: list[str], line: str, record: str | None) -> str:
        """`insert into <raw> (...) select ...`: the file's columns from `values`,
        the metadata constants and lineage from he_files (`files`), `line` and
        `record` as SQL; a FROM clause that joins `files` must follow."""
        targets = [
            *self.header,
            *self.constant_names,
            "_source_file",
            "_source_row",
            "_file_sha256",
            "_loaded_at",
        ]
        selected = [
            *values,
            *(f"files.constants[{literal(name)}]" for name in self.constant_names),
            "files.file_path",
            line,
            "files.file_sha256",
            "files.loaded_at",
        ]
        if record is not None:
            targets.append(RECORD_COLUMN)
            selected.append(record)
        return (
            f"insert into {self.table.qualified_name} "
            f"({', '.join(quote_ident(t) for t in targets)}) "
            f"select {', '.join(selected)}"
        )

    def rows_sql(self, alias: str = "delivered") -> str:
        """FROM clause of the group's rows in the raw table, joined to he_files."""
        return (
            f"from {self.table.qualified_name} as {alias} "
            "inner join temp.he_files as files "
            f"on {alias}._source_file = files.file_path "
            f"and {alias}._file_sha256 = files.file_sha256"
        )


@dataclass(frozen=True)
class Read:
    """What reading a group found besides its rows, by file."""

    rows_read: dict[str, int]  # records inserted
    rows_padded: dict[str, int]  # headerless rows whose trailing fields read as NULL


WORK_TABLES_DDL = """
create temp table if not exists he_files (
    path varchar,
    file_path varchar,
    file_sha256 varchar,
    file_id bigint,
    constants map(varchar, varchar),
    loaded_at timestamp
);
create temp table if not exists he_structural (
    file_path varchar, line bigint, rule varchar, reason varchar, record varchar
);
create temp table if not exists he_decisions (
    file_path varchar, _source_row bigint, he_record bigint, reason varchar,
    rule varchar
);
"""


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the work tables a load fills per group. They are emptied and filled
    again for each group rather than created anew: DuckDB frees a dropped table
    only when its transaction commits, and a batch of files is one transaction."""
    conn.execute(WORK_TABLES_DDL)


def read(conn: duckdb.DuckDBPyConnection, group: Group) -> Read:
    """Insert the group's records into its raw table and fill temp.he_structural;
    raises duckdb.Error when DuckDB's reader cannot read a file at all."""
    conn.execute("delete from temp.he_structural")
    conn.execute("delete from temp.he_files")
    conn.executemany(
        "insert into temp.he_files values (?, ?, ?, ?, map(?, ?), ?)",
        [
            (
                str(file.path),
                file.file_path,
                file.file_sha256,
                file.file_id,
                list(file.constants),
                list(file.constants.values()),
                file.loaded_at,
            )
            for file in group.files
        ],
    )
    if group.reader == "json_pages":
        json_pages.read(conn, group)
        padded: dict[str, int] = {}
    else:
        padded = csv_files.read(conn, group)
    rows = dict(
        conn.execute(
            f"select files.file_path, count(*) {group.rows_sql()} group by all"
        ).fetchall()
    )
    return Read(
        rows_read={f.file_path: rows.get(f.file_path, 0) for f in group.files},
        rows_padded={f.file_path: padded.get(f.file_path, 0) for f in group.files},
    )
