"""JSON pages: one {"value": [record, ...]} object per line, as the Microsoft Graph
API returns them. A line that is not such an object, and an entry of a page that is
not an object, are structural rejects with their line; every other record is a row,
its fields kept as text (nested objects and arrays as JSON text), with its line as
`_source_row` and its place in the page as `_source_record`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from loaders.sql import literal

if TYPE_CHECKING:
    from loaders.readers import Group


def read(conn: duckdb.DuckDBPyConnection, group: Group) -> None:
    """Insert the records of the group's one file; fill temp.he_structural."""
    assert len(group.files) == 1, "JSON pages are read one file at a time"
    (file,) = group.files
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
        + " from he_page_records as page_records cross join temp.he_files as files"
        " where json_type(page_records.value) = 'OBJECT'"
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


def _json_path(field_name: str) -> str:
    return '$."' + field_name.replace('"', '\\"') + '"'
