"""JSON pages: one {"value": [record, ...]} object per line, as the Microsoft Graph
API returns them. Every record of a page is a row, its fields kept as text (nested
objects and arrays as JSON text), with its line as `_source_row` and its place in
the page as `_source_record`. A line that is not such a page, and an entry of a page
that is not an object, are structural rejects with their line.

The group's files are read together by DuckDB's JSON reader, straight into the
fields. A file where the reader saw fewer pages than the file has lines (a line
that is not JSON, a blank line, an entry it cannot read as a record) or a page
without its "value" array is read again on its own, line by line as text, so that
each bad line is named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from loaders.sql import literal, quote_ident

if TYPE_CHECKING:
    from loaders.readers import Group, GroupFile

FILENAME = "he_filename"


def read(conn: duckdb.DuckDBPyConnection, group: Group) -> None:
    """Insert the group's records; fill temp.he_structural."""
    record_type = ", ".join(f"{quote_ident(name)} VARCHAR" for name in group.header)
    paths = ", ".join(literal(str(file.path)) for file in group.files)
    conn.execute(
        f"""
        create or replace temp table he_json_pages as
        select
            {FILENAME},
            row_number() over (partition by {FILENAME} order by ordinality) as line,
            value
        from read_json(
            [{paths}],
            format = 'newline_delimited',
            columns = {{'value': 'STRUCT({record_type})[]'}},
            filename = {literal(FILENAME)},
            ignore_errors = true
        ) with ordinality
        """
    )
    # A file is read whole when every line is a page with its "value" array, and
    # no entry of a page is null (the reader makes a null of an entry it cannot
    # read as a record).
    read_whole = {
        path: (pages, with_value, null_entries)
        for path, pages, with_value, null_entries in conn.execute(
            f"select {FILENAME}, count(*), count(value), "
            "coalesce(sum(len(list_filter(value, lambda entry: entry is null))), 0) "
            "from temp.he_json_pages group by all"
        ).fetchall()
    }
    clean = [
        file
        for file in group.files
        if read_whole.get(str(file.path)) == (file.lines, file.lines, 0)
    ]
    if clean:
        fields = [f"page_records.value.{quote_ident(name)}" for name in group.header]
        listed = ", ".join(literal(str(file.path)) for file in clean)
        conn.execute(
            group.insert_sql(fields, "pages.line", "page_records.record_number")
            + " from temp.he_json_pages as pages "
            f"inner join temp.he_files as files on pages.{FILENAME} = files.path "
            "cross join unnest(pages.value) with ordinality "
            "as page_records(value, record_number) "
            f"where pages.{FILENAME} in ({listed})"
        )
    conn.execute("drop table temp.he_json_pages")
    for file in group.files:
        if file not in clean:
            _read_lines(conn, group, file)


def _read_lines(conn: duckdb.DuckDBPyConnection, group: Group, file: GroupFile) -> None:
    """One file, line by line, with DuckDB's text and JSON functions."""
    conn.execute(
        f"""
        create or replace temp table he_pages as
        with lines as (
            -- Two unnests in one select list run side by side. (A lateral unnest
            -- of the file's text would copy the whole text for every line.)
            select
                rtrim(unnest(split.lines), chr(13)) as line,
                unnest(range(1, len(split.lines) + 1)) as line_number
            from (
                select string_split(delivered.content, chr(10)) as lines
                from read_text({literal(str(file.path))}) as delivered
            ) as split
        )

        select
            line,
            line_number,
            case
                when not json_valid(line) then 'not JSON'
                when json_type(line) <> 'OBJECT' then 'not a JSON object'
                when json_type(line, '$.value') is distinct from 'ARRAY'
                    then 'no "value" array (not a Graph API page)'
            end as reason
        from lines
        where trim(line) <> ''
        """
    )
    conn.execute(
        """
        create or replace temp table he_page_records as
        select
            he_pages.line_number,
            page_records.record_number,
            page_records.value
        from
            he_pages,
            unnest(cast(json_extract(he_pages.line, '$.value') as json[]))
                with ordinality as page_records(value, record_number)
        where he_pages.reason is null
        """
    )
    fields = [
        f"json_extract_string(page_records.value, {literal(_json_path(name))})"
        for name in group.header
    ]
    conn.execute(
        group.insert_sql(
            fields, "page_records.line_number", "page_records.record_number"
        )
        + " from he_page_records as page_records inner join temp.he_files as files "
        f"on files.file_path = {literal(file.file_path)} "
        "where json_type(page_records.value) = 'OBJECT'"
    )
    conn.execute(
        f"""
        insert into temp.he_structural
        select
            {literal(file.file_path)},
            line_number as line,
            reason as rule,
            reason,
            line as record
        from he_pages
        where reason is not null
        union all
        select
            {literal(file.file_path)},
            line_number,
            'a page entry that is not a JSON object',
            'record ' || record_number || ' is not a JSON object',
            cast(value as varchar)
        from he_page_records
        where json_type(value) <> 'OBJECT'
        """
    )
    conn.execute("drop table temp.he_pages")
    conn.execute("drop table temp.he_page_records")


def _json_path(field_name: str) -> str:
    return '$."' + field_name.replace('"', '\\"') + '"'
