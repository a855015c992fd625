"""CSV files, with a header row or headerless (columns from a schema file).

DuckDB's CSV reader runs with nothing left to guess: our column names, all text, RFC
4180 quoting. Lines that do not fit are recorded with their line number
(`store_rejects`) and skipped; recording them also keeps DuckDB from stopping at some
malformed quotes, which would lose the rest of the file. A UTF-8 byte order mark and
CRLF line ends are read as such; a file that is not UTF-8 is read as Latin-1.

A CSV with a header row is read once, straight into its raw table. A headerless file
is counted first: that pass records the rows that lack trailing fields, which the
insert then reads with those fields NULL, so they load and are counted
(`rows_padded`) instead of rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from loaders.specs import DeliveredFile
from loaders.sql import literal, quote_ident

if TYPE_CHECKING:
    from loaders.readers import Target


def read(
    conn: duckdb.DuckDBPyConnection,
    found: DeliveredFile,
    target: Target,
    encoding: str,
) -> tuple[int, int]:
    """Insert the file's records; fill temp.he_structural; return the records read
    and how many of them were padded."""
    headerless = found.reader == "csv_no_header"
    header_lines = 0 if headerless else 1
    rows_padded = 0
    if headerless:
        rows_fitting = _count(conn, found, encoding)
        rows_padded = conn.execute(
            "select count(distinct line) from temp.he_reject_errors "
            "where error_type = 'MISSING COLUMNS'"
        ).fetchone()[0]
    rows_read = _insert(conn, found, target, encoding, header_lines, headerless)
    if headerless and rows_read != rows_fitting + rows_padded:
        # Never load part of a file silently: the reader must see the same rows
        # twice, else the file is quarantined as unreadable.
        raise duckdb.InvalidInputException(
            f"the CSV reader returned {rows_read:,} rows on its second pass and "
            f"{rows_fitting + rows_padded:,} on its first"
        )
    conn.execute(
        """
        insert into temp.he_structural
        select
            line,
            arg_min(error_type, column_idx) as rule,
            arg_min(error_type || ': ' || error_message, column_idx) as reason,
            any_value(csv_line) as record
        from temp.he_reject_errors
        group by line
        """
    )
    if conn.execute("select count(*) from temp.he_structural").fetchone()[0]:
        _number_lines(conn, target, header_lines)
    return rows_read, rows_padded


def _count(conn: duckdb.DuckDBPyConnection, found: DeliveredFile, encoding: str) -> int:
    """The records that fit the file's columns exactly; the others are recorded in
    temp.he_reject_errors (read again in one thread if there are any: DuckDB's
    parallel reader may record only some of a large file's rejects)."""
    rows = 0
    for parallel in (True, False):
        _drop_rejects(conn)
        reader = _read_csv_sql(found, encoding, padding=False, parallel=parallel)
        rows = conn.execute(f"select count(*) from {reader}").fetchone()[0]
        if not _rejected(conn):
            break
    return rows


def _insert(
    conn: duckdb.DuckDBPyConnection,
    found: DeliveredFile,
    target: Target,
    encoding: str,
    header_lines: int,
    padding: bool,
) -> int:
    """Insert every readable record, numbered as if no line were rejected (see
    _number_lines). When DuckDB's parallel reader rejected any line, the rows are
    taken out and read again in one thread, so that every reject is recorded."""
    rows = 0
    for parallel in (True, False):
        _drop_rejects(conn)
        reader = _read_csv_sql(found, encoding, padding=padding, parallel=parallel)
        columns = [quote_ident(name) for name in found.header]
        rows = conn.execute(
            target.insert_sql(columns, f"ordinality + {header_lines}", "null")
            + f" from {reader} with ordinality"
        ).fetchone()[0]
        if not _rejected(conn) or not parallel:
            break
        conn.execute(
            f"delete from {target.table} where _source_file = ? and _file_sha256 = ?",
            [target.file_path, target.file_sha256],
        )
    return rows


def _number_lines(
    conn: duckdb.DuckDBPyConnection, target: Target, header_lines: int
) -> None:
    """Give each inserted record its line in the file. DuckDB numbers only the
    records it kept; a kept record's line is its ordinal plus the header line (if
    any) plus the rejected lines before it."""
    conn.execute(
        f"""
        update {target.table} as delivered
        set _source_row = delivered._source_row + shifts.rejected_so_far
        from (
            with rejected as (
                select
                    line,
                    row_number() over (order by line) as rejected_so_far
                from temp.he_structural
            ),

            gaps as (
                select
                    line - {header_lines} - rejected_so_far as kept_rows_before,
                    max(rejected_so_far) as rejected_so_far
                from rejected
                group by line - {header_lines} - rejected_so_far
            ),

            kept as (
                select _source_row - {header_lines} as ordinal
                from {target.table}
                where _source_file = $file and _file_sha256 = $sha
            )

            select kept.ordinal, gaps.rejected_so_far
            from kept
            asof inner join gaps on kept.ordinal > gaps.kept_rows_before
        ) as shifts
        where
            delivered._source_file = $file
            and delivered._file_sha256 = $sha
            and delivered._source_row - {header_lines} = shifts.ordinal
        """,
        {"file": target.file_path, "sha": target.file_sha256},
    )


def _drop_rejects(conn: duckdb.DuckDBPyConnection) -> None:
    for name in ("he_reject_errors", "he_reject_scans"):
        conn.execute(f"drop table if exists temp.{name}")


def _rejected(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        conn.execute("select count(*) from temp.he_reject_errors").fetchone()[0]
    )


def _read_csv_sql(
    found: DeliveredFile, encoding: str, *, padding: bool, parallel: bool
) -> str:
    columns = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in found.header)
    options = [
        f"header = {'true' if found.reader == 'csv' else 'false'}",
        "auto_detect = false",
        f"columns = {{{columns}}}",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "strict_mode = true",
        f"encoding = {literal(encoding)}",
        "store_rejects = true",
        "rejects_table = 'he_reject_errors'",
        "rejects_scan = 'he_reject_scans'",
    ]
    if padding:
        options.append("null_padding = true")
    if not parallel:
        options.append("parallel = false")
    return f"read_csv({literal(str(found.path))}, {', '.join(options)})"
