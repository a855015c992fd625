"""CSV files, with a header row or headerless (columns from a schema file).

DuckDB's CSV reader runs with nothing left to guess: our column names, all text, RFC
4180 quoting. Lines that do not fit are recorded with their file and line
(`store_rejects`) and skipped; recording them also keeps DuckDB from stopping at some
malformed quotes, which would lose the rest of a file. A UTF-8 byte order mark and
CRLF line ends are read as such; a group of files that are not UTF-8 is read as
Latin-1.

CSVs with a header row are read once, all files of the group in one statement,
straight into their raw table. Headerless files are counted first: that pass records
the rows that lack trailing fields, which the insert then reads with those fields
NULL, so they load and are counted (`rows_padded`) instead of rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from loaders.sql import literal, quote_ident

if TYPE_CHECKING:
    from loaders.readers import Group

# The column DuckDB's reader names each row's file in.
FILENAME = "he_filename"


def read(conn: duckdb.DuckDBPyConnection, group: Group) -> dict[str, int]:
    """Insert the group's records; fill temp.he_structural; return, by file, the
    records read with their trailing fields missing (headerless files)."""
    headerless = group.reader == "csv_no_header"
    header_lines = 0 if headerless else 1
    padded: dict[str, int] = {}
    if headerless:
        fitting = _count(conn, group)
        padded = dict(
            conn.execute(
                f"""
                select files.file_path, count(distinct errors.line)
                from temp.he_reject_errors as errors
                {_FILES_OF_ERRORS}
                where errors.error_type = 'MISSING COLUMNS'
                group by all
                """
            ).fetchall()
        )
    _insert(conn, group, header_lines, padding=headerless)
    conn.execute(
        f"""
        insert into temp.he_structural
        select
            files.file_path,
            errors.line,
            arg_min(errors.error_type, errors.column_idx),
            arg_min(
                errors.error_type || ': ' || errors.error_message, errors.column_idx
            ),
            any_value(errors.csv_line)
        from temp.he_reject_errors as errors
        {_FILES_OF_ERRORS}
        group by files.file_path, errors.line
        """
    )
    if headerless:
        read_rows = dict(
            conn.execute(
                f"select files.file_path, count(*) {group.rows_sql()} group by all"
            ).fetchall()
        )
        for file in group.files:
            expected = fitting.get(file.file_path, 0) + padded.get(file.file_path, 0)
            if read_rows.get(file.file_path, 0) != expected:
                # Never load part of a file silently: the reader must see the same
                # rows twice, else the file is quarantined as unreadable.
                raise duckdb.InvalidInputException(
                    f"the CSV reader returned {read_rows.get(file.file_path, 0):,} "
                    f"rows of {file.file_path} on its second pass and {expected:,} "
                    "on its first"
                )
    if conn.execute("select count(*) from temp.he_structural").fetchone()[0]:
        _number_lines(conn, group, header_lines)
    return padded


# Joins a reject to the file it came from (DuckDB names it by the path it was given).
_FILES_OF_ERRORS = """
        inner join temp.he_reject_scans as scans
            on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
        inner join temp.he_files as files on scans.file_path = files.path
"""


def _count(conn: duckdb.DuckDBPyConnection, group: Group) -> dict[str, int]:
    """By file, the records that fit the columns exactly; the others are recorded
    in temp.he_reject_errors (read again in one thread if there are any: DuckDB's
    parallel reader may record only some of a large file's rejects)."""
    counts: dict[str, int] = {}
    for parallel in (True, False):
        _drop_rejects(conn)
        reader = _read_csv_sql(group, padding=False, parallel=parallel)
        counts = dict(
            conn.execute(
                f"select files.file_path, count(*) from {reader} as delivered "
                f"inner join temp.he_files as files on delivered.{FILENAME} = "
                "files.path group by all"
            ).fetchall()
        )
        if not _rejected(conn):
            break
    return counts


def _insert(
    conn: duckdb.DuckDBPyConnection, group: Group, header_lines: int, *, padding: bool
) -> None:
    """Insert every readable record, numbered as if no line were rejected (see
    _number_lines). When DuckDB's parallel reader rejected any line, the rows are
    taken out and read again in one thread, so that every reject is recorded."""
    values = [f"delivered.{quote_ident(name)}" for name in group.header]
    line = (
        f"row_number() over (partition by delivered.{FILENAME} "
        f"order by delivered.ordinality) + {header_lines}"
    )
    for parallel in (True, False):
        _drop_rejects(conn)
        reader = _read_csv_sql(group, padding=padding, parallel=parallel)
        conn.execute(
            group.insert_sql(values, line, None)
            + f" from {reader} with ordinality as delivered "
            f"inner join temp.he_files as files on delivered.{FILENAME} = files.path"
        )
        if not _rejected(conn) or not parallel:
            break
        conn.execute(
            f"delete from {group.table.qualified_name} as delivered "
            "where exists (select 1 from temp.he_files as files "
            "where delivered._source_file = files.file_path "
            "and delivered._file_sha256 = files.file_sha256)"
        )


def _number_lines(
    conn: duckdb.DuckDBPyConnection, group: Group, header_lines: int
) -> None:
    """Give each inserted record its line in its file. DuckDB numbers only the
    records it kept; a kept record's line is its place among them plus the header
    line (if any) plus the rejected lines before it."""
    conn.execute(
        f"""
        update {group.table.qualified_name} as delivered
        set _source_row = delivered._source_row + shifts.rejected_so_far
        from (
            with rejected as (
                select
                    file_path,
                    line,
                    row_number() over (
                        partition by file_path order by line
                    ) as rejected_so_far
                from temp.he_structural
            ),

            gaps as (
                select
                    file_path,
                    line - {header_lines} - rejected_so_far as kept_rows_before,
                    max(rejected_so_far) as rejected_so_far
                from rejected
                group by file_path, line - {header_lines} - rejected_so_far
            ),

            kept as (
                select
                    delivered._source_file as file_path,
                    delivered._file_sha256,
                    delivered._source_row - {header_lines} as ordinal
                {group.rows_sql()}
                where delivered._source_file in (select file_path from rejected)
            )

            select kept.file_path, kept._file_sha256, kept.ordinal, gaps.rejected_so_far
            from kept
            asof inner join gaps
                on
                    kept.file_path = gaps.file_path
                    and kept.ordinal > gaps.kept_rows_before
        ) as shifts
        where
            delivered._source_file = shifts.file_path
            and delivered._file_sha256 = shifts._file_sha256
            and delivered._source_row - {header_lines} = shifts.ordinal
        """
    )


def _drop_rejects(conn: duckdb.DuckDBPyConnection) -> None:
    for name in ("he_reject_errors", "he_reject_scans"):
        conn.execute(f"drop table if exists temp.{name}")


def _rejected(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        conn.execute("select count(*) from temp.he_reject_errors").fetchone()[0]
    )


def _read_csv_sql(group: Group, *, padding: bool, parallel: bool) -> str:
    columns = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in group.header)
    paths = ", ".join(literal(str(file.path)) for file in group.files)
    options = [
        f"header = {'true' if group.reader == 'csv' else 'false'}",
        "auto_detect = false",
        f"columns = {{{columns}}}",
        "delim = ','",
        "quote = '\"'",
        "escape = '\"'",
        "strict_mode = true",
        f"encoding = {literal(group.encoding)}",
        f"filename = {literal(FILENAME)}",
        "store_rejects = true",
        "rejects_table = 'he_reject_errors'",
        "rejects_scan = 'he_reject_scans'",
    ]
    if padding:
        options.append("null_padding = true")
    if not parallel:
        options.append("parallel = false")
    return f"read_csv([{paths}], {', '.join(options)})"
