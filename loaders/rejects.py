"""Where a record that does not stay goes: loader.rejects, with its line, the
reason (which may quote the value) and the rule (which does not); and, for records
that stay but deserve a look, loader.flags. Every statement here runs inside the
load's transaction, so a record is in its raw table or in the rejects, never both
and never neither."""

from __future__ import annotations

import logging
from collections import Counter

import duckdb

from loaders.readers import Group
from loaders.restricted import RECORD_COLUMN
from loaders.specs import DeliveredFile
from loaders.sql import quote_ident

log = logging.getLogger(__name__)


def counts(conn: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return dict(conn.execute(sql).fetchall())


def move_decided(
    conn: duckdb.DuckDBPyConnection, group: Group
) -> tuple[dict[str, int], dict[str, int]]:
    """Records decided against, and lines that are not records, into loader.rejects
    with their line, the reason and the rule; the records leave the raw table.
    Returns, by file, the records and the other lines rejected."""
    conn.execute(
        "insert into loader.rejects (file_id, file_path, line, reason, record, rule) "
        "select files.file_id, files.file_path, structural.line, structural.reason, "
        "structural.record, structural.rule "
        "from temp.he_structural as structural inner join temp.he_files as files "
        "on structural.file_path = files.file_path"
    )
    structural = counts(
        conn, "select file_path, count(*) from temp.he_structural group by all"
    )
    decided = counts(
        conn, "select file_path, count(*) from temp.he_decisions group by all"
    )
    if not decided:
        return decided, structural
    position = (
        f"delivered.{quote_ident(RECORD_COLUMN)}" if group.has_records else "null"
    )
    conn.execute(
        "insert into loader.rejects (file_id, file_path, line, reason, record, rule) "
        "select files.file_id, files.file_path, decisions._source_row, "
        f"decisions.reason, {record_text(group.reader, group.header)}, decisions.rule "
        f"{group.rows_sql()} "
        "inner join temp.he_decisions as decisions "
        "on decisions.file_path = delivered._source_file "
        "and decisions._source_row = delivered._source_row "
        f"and decisions.he_record is not distinct from {position}"
    )
    conn.execute(
        f"delete from {group.table.qualified_name} as delivered "
        "where exists (select 1 from temp.he_decisions as decisions "
        "inner join temp.he_files as files on decisions.file_path = files.file_path "
        "where decisions.file_path = delivered._source_file "
        "and files.file_sha256 = delivered._file_sha256 "
        "and decisions._source_row = delivered._source_row "
        f"and decisions.he_record is not distinct from {position})"
    )
    return decided, structural


def record_text(reader: str, header: tuple[str, ...]) -> str:
    """A rejected record's text, from its row in the raw table (`delivered`)."""
    if reader == "json_pages":
        fields = ", ".join(
            f"{quote_ident(name)} := delivered.{quote_ident(name)}" for name in header
        )
        return f"cast(to_json(struct_pack({fields})) as varchar)"
    return " || ',' || ".join(
        f"coalesce(delivered.{quote_ident(name)}, '')" for name in header
    )


def insert_flags(conn: duckdb.DuckDBPyConnection, group: Group) -> dict[str, int]:
    """Loaded rows that break a table's flag rule, into loader.flags; each rule that
    matched is logged with its count per file. Returns the flagged rows by file."""
    flagged: dict[str, int] = {}
    for flag in group.table.flags:
        if not set(quoted_names(flag.predicate)) <= set(group.header):
            continue  # the files do not carry the column the rule reads
        rows = conn.execute(
            "insert into loader.flags (file_id, file_path, line, rule) "
            "select files.file_id, files.file_path, delivered._source_row, ? "
            f"{group.rows_sql()} where ({qualified(flag.predicate)}) "
            "returning file_path",
            [flag.rule],
        ).fetchall()
        by_file = Counter(name for (name,) in rows)
        for name, count in sorted(by_file.items()):
            log.warning("%s: %s rows: %s", name, f"{count:,}", flag.rule)
            flagged[name] = flagged.get(name, 0) + count
    return flagged


def quoted_names(predicate: str) -> list[str]:
    """The "quoted" column names a flag's predicate reads."""
    return predicate.split('"')[1::2]


def qualified(predicate: str) -> str:
    """A flag's predicate reading its "quoted" columns from `delivered`."""
    parts = predicate.split('"')
    return "".join(
        f'delivered."{part}"' if index % 2 else part for index, part in enumerate(parts)
    )


def move_crossed(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile
) -> dict[int, int]:
    """Move temp.he_crossed's records from the raw table to the rejects; return how
    many each file (by manifest id) lost."""
    table = found.table
    position = (
        f"delivered.{quote_ident(RECORD_COLUMN)}"
        if RECORD_COLUMN in table.metadata_columns
        else "null"
    )
    conn.execute(
        "insert into loader.rejects (file_id, file_path, line, reason, record, rule) "
        "select crossed.file_id, crossed.file_path, crossed._source_row, "
        f"crossed.reason, {record_text(found.reader, found.header)}, crossed.rule "
        f"from {table.qualified_name} as delivered "
        "inner join temp.he_crossed as crossed "
        "on delivered._source_file = crossed.file_path "
        "and delivered._file_sha256 = crossed.file_sha256 "
        "and delivered._source_row = crossed._source_row "
        f"and {position} is not distinct from crossed.he_record"
    )
    conn.execute(
        f"delete from {table.qualified_name} as delivered "
        "where exists (select 1 from temp.he_crossed as crossed "
        "where delivered._source_file = crossed.file_path "
        "and delivered._file_sha256 = crossed.file_sha256 "
        "and delivered._source_row = crossed._source_row "
        f"and crossed.he_record is not distinct from {position})"
    )
    return counts(conn, "select file_id, count(*) from temp.he_crossed group by 1")
