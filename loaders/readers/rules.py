"""Which of a file's inserted records stay, and why the others do not.

`within_file` fills temp.he_decisions with one row per record of a file that must not
stay: its line (and place in a JSON page), the reason (may quote the delivered value:
it stays in restricted.duckdb) and the rule (the reason without any value, which is
what may be published); `across_files` does the same for a batch of files. In order:

1. **Values.** A required column is empty, or a value breaks its column's check
   ("AttendanceCode 'X' is not P or A").
2. **Repeats within the file.** Among the records that passed, records with the same
   key (the table's `key`, or the whole record) keep the later one: an earlier
   record with other values is "superseded by line N"; a repeat of the kept record
   is "duplicate of line N", naming the first of them, which is the one kept.
3. **Repeats across files** (tables whose deliveries add records), once per batch of
   files: a record whose key the current version of another file already holds is
   "duplicate of <file> line N" (same values) or "conflicts with <file> line N, which
   was loaded first and is kept". A record therefore never counts twice; a
   restatement of the same file is not a repeat but its new version. (Once per batch,
   not per file: it reads the table's keys, which grow with the history.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from loaders.readers import Group
from loaders.restricted import RECORD_COLUMN
from loaders.specs import RawTable
from loaders.sql import literal, quote_ident

DUPLICATE_RULE = "duplicate of an earlier record in the file"
SUPERSEDED_RULE = "superseded by a later record with the same key in the file"
DUPLICATE_ACROSS_RULE = "duplicate of a record another file delivered first"
CONFLICT_ACROSS_RULE = "conflicts with a record another file delivered first"


def within_file(conn: duckdb.DuckDBPyConnection, group: Group) -> None:
    """Fill temp.he_decisions (file_path, _source_row, he_record, reason, rule) for
    the records of the group's files that break a value rule or repeat another
    record of their file."""
    table = group.table
    record = (
        f"delivered.{quote_ident(RECORD_COLUMN)}"
        if group.has_records
        else "cast(null as bigint)"
    )
    key = [name for name in table.key if name not in group.constant_names]
    key = key or list(group.header)
    conn.execute("delete from temp.he_decisions")
    conn.execute(
        f"""
        insert into temp.he_decisions
        select file_path, _source_row, he_record, reason, rule
        from (
            select
                delivered._source_file as file_path,
                delivered._source_row,
                {record} as he_record,
                {_value_reason_sql(table, group.header)} as reason,
                {_value_rule_sql(table, group.header)} as rule
            {group.rows_sql()}
        )
        where reason is not null
        """
    )
    # The windows that find repeats cost more than the files' read: only when a key
    # occurs twice in a file are they worth running.
    repeated = conn.execute(
        "select count(*) - count(distinct (delivered._source_file, "
        f"{_columns(key, 'delivered.')})) {group.rows_sql()}"
    ).fetchone()[0]
    if not repeated:
        return
    conn.execute(
        f"""
        create or replace temp view he_delivered as
        select
            delivered.*,
            {record} as he_record,
            row_number() over (
                partition by delivered._source_file
                order by delivered._source_row, {record}
            ) as he_row,
            'line ' || delivered._source_row
                || coalesce(' record ' || {record}, '') as he_where,
            {_value_reason_sql(table, group.header, "delivered.")} as he_reason
        {group.rows_sql()}
        """
    )
    conn.execute(
        f"""
        insert into temp.he_decisions
        select _source_file, _source_row, he_record, reason, rule
        from ({_within_file_sql(["_source_file", *key], list(group.header))})
        """
    )


def _columns(names: list[str], prefix: str = "") -> str:
    return ", ".join(prefix + quote_ident(name) for name in names)


def _within_file_sql(key: list[str], content: list[str]) -> str:
    """Repeats among he_delivered's candidates; `key` starts with _source_file, so
    only records of the same file are compared."""
    by_key = f"partition by {_columns(key)}"
    by_content = f"partition by {_columns(['_source_file', *content])}"
    return f"""
        with candidates as (
            select * from he_delivered where he_reason is null
        ),

        first_and_last as (
            select
                he_row,
                _source_row,
                he_record,
                {_columns(key)},
                first_value(he_row) over (
                    {by_content} order by he_row
                ) as first_same_row,
                first_value(he_where) over (
                    {by_content} order by he_row
                ) as first_same_where,
                max(he_row) over ({by_key}) as last_row,
                arg_max(he_where, he_row) over ({by_key}) as last_where
            from candidates
        ),

        kept as (
            select
                *,
                arg_max(first_same_row, he_row) over ({by_key}) as kept_row,
                arg_max(first_same_where, he_row) over ({by_key}) as kept_where
            from first_and_last
        )

        select
            he_row,
            _source_file,
            _source_row,
            he_record,
            case
                when first_same_row = kept_row then 'duplicate of ' || kept_where
                else 'superseded by ' || last_where || ' (same {_key_label(key[1:])})'
            end as reason,
            case
                when first_same_row = kept_row then {literal(DUPLICATE_RULE)}
                else {literal(SUPERSEDED_RULE)}
            end as rule
        from kept
        where he_row <> kept_row
    """


def _key_label(key: list[str]) -> str:
    return ", ".join(key).replace("'", "''")


@dataclass(frozen=True)
class NewVersion:
    """A file version this batch loaded into a table whose deliveries add records."""

    file_id: int
    file_path: str
    file_sha256: str


def across_files(
    conn: duckdb.DuckDBPyConnection,
    table: RawTable,
    header: tuple[str, ...],
    versions: list[NewVersion],
    loaded_since: datetime,
) -> None:
    """Fill temp.he_crossed (file_id, file_path, file_sha256, _source_row,
    he_record, reason, rule) with the records of `versions` whose key a current
    version of another path holds: of all current records with one key, the one
    loaded first stays. The table's keys are read once for the whole batch.

    Only parts of the table are read: the new records were loaded at
    `loaded_since` or later, and a record with the same key as a new one has each
    required key column (never empty) within the new records' range of it. Both
    bounds are constants, so DuckDB skips the row groups outside them (a first
    load of a district-year checks every batch; without them each check read the
    whole table so far)."""
    key = list(table.key) or list(header)
    key_columns = ", ".join(quote_ident(name) for name in key)
    by_key = ", ".join(f"held.{quote_ident(name)}" for name in key)
    delivered_key = ", ".join(f"delivered.{quote_ident(name)}" for name in key)
    record = (
        f"delivered.{quote_ident(RECORD_COLUMN)}"
        if RECORD_COLUMN in table.metadata_columns
        else "cast(null as bigint)"
    )
    content = ", ".join(f"delivered.{quote_ident(name)}" for name in header)
    contested_match = " and ".join(
        f"held.{quote_ident(name)} is not distinct from "
        f"contested_keys.{quote_ident(name)}"
        for name in key
    )
    new_versions = ", ".join(
        f"({literal(v.file_path)}, {literal(v.file_sha256)})" for v in versions
    )
    new_ids = ", ".join(str(version.file_id) for version in versions)
    order = "held.file_id, held._source_row, held.he_record"
    new_rows = (
        f"_loaded_at >= {literal(loaded_since.isoformat())}::timestamp "
        f"and (_source_file, _file_sha256) in ({new_versions})"
    )
    ranges = _key_ranges(conn, table, key, new_rows)
    conn.execute("drop table if exists temp.he_crossed")
    conn.execute(
        f"""
        create temp table he_crossed as
        with current_versions as (
            select file_id, file_path, file_sha256
            from loader.manifest
            where
                source = {literal(table.source)}
                and table_name = {literal(table.name)}
                and status = 'loaded'
            qualify row_number() over (
                partition by file_path order by file_id desc
            ) = 1
        ),

        new_keys as (
            -- a key as one number: the held records are found by an equality join
            -- on it, then grouped by the key itself
            select distinct hash({key_columns}) as key_hash
            from {table.qualified_name}
            where {new_rows}
        ),

        held as materialized (
            -- every current record with a key the new files deliver (theirs too)
            select
                {", ".join(f"delivered.{quote_ident(name)}" for name in key)},
                delivered._source_file,
                delivered._file_sha256,
                delivered._source_row,
                {record} as he_record,
                hash({content}) as content_hash,
                current_versions.file_id
            from {table.qualified_name} as delivered
            semi join new_keys on hash({delivered_key}) = new_keys.key_hash
            inner join current_versions
                on
                    delivered._source_file = current_versions.file_path
                    and delivered._file_sha256 = current_versions.file_sha256
            where {ranges}
        ),

        contested_keys as (
            -- usually none: a hash aggregate finds them without sorting anything
            select {key_columns}
            from held
            group by {key_columns}
            having count(*) > 1
        ),

        contested as (
            select
                held.*,
                row_number() over (partition by {by_key} order by {order})
                    as arrival,
                first_value(
                    held._source_file || ' line ' || held._source_row
                    || coalesce(' record ' || held.he_record, '')
                ) over (partition by {by_key} order by {order}) as kept_where,
                first_value(held.content_hash)
                    over (partition by {by_key} order by {order}) as kept_hash
            from held
            semi join contested_keys on {contested_match}
        )

        select
            file_id,
            _source_file as file_path,
            _file_sha256 as file_sha256,
            _source_row,
            he_record,
            case
                when content_hash = kept_hash then 'duplicate of ' || kept_where
                else 'conflicts with ' || kept_where
                    || ', which was loaded first and is kept'
            end as reason,
            case
                when content_hash = kept_hash then {literal(DUPLICATE_ACROSS_RULE)}
                else {literal(CONFLICT_ACROSS_RULE)}
            end as rule
        from contested
        where arrival > 1 and file_id in ({new_ids})
        """
    )


def _key_ranges(
    conn: duckdb.DuckDBPyConnection, table: RawTable, key: list[str], new_rows: str
) -> str:
    """`delivered.<column> between <lowest> and <highest>` of the new records, for
    each required key column (a condition every record with a new key meets)."""
    required = [
        name
        for name in key
        if name in {column.name for column in table.columns}
        and table.column(name).required
    ]
    if not required:
        return "true"
    bounds = conn.execute(
        "select "
        + ", ".join(f"min({quote_ident(n)}), max({quote_ident(n)})" for n in required)
        + f" from {table.qualified_name} where {new_rows}"
    ).fetchone()
    if bounds[0] is None:
        return "true"
    return " and ".join(
        f"delivered.{quote_ident(name)} between {literal(low)} and {literal(high)}"
        for name, low, high in zip(required, bounds[::2], bounds[1::2], strict=True)
    )


def _value_reason_sql(
    table: RawTable, header: tuple[str, ...], prefix: str = "delivered."
) -> str:
    """Why a record breaks its columns' rules, quoting the value (for the rejects
    in restricted.duckdb), or NULL."""
    return _joined(_value_parts(table, header, prefix, quote_values=True))


def _value_rule_sql(
    table: RawTable, header: tuple[str, ...], prefix: str = "delivered."
) -> str:
    """The same, without the values: what may be published."""
    return _joined(_value_parts(table, header, prefix, quote_values=False))


def _value_parts(
    table: RawTable, header: tuple[str, ...], prefix: str, *, quote_values: bool
) -> list[str]:
    parts = []
    for name in header:
        column = table.column(name)
        value = prefix + quote_ident(name)
        label = name.replace("'", "''")
        if column.required:
            parts.append(f"case when {value} is null then '{label} is empty' end")
        if column.check:
            expectation = column.check.expectation.replace("'", "''")
            shown = f"'{label} ''' || {value} || '''" if quote_values else f"'{label}"
            parts.append(
                f"case when {value} is not null and not ({column.check.sql(value)}) "
                f"then {shown} is not {expectation}' end"
            )
    return parts


def _joined(parts: list[str]) -> str:
    if not parts:
        return "cast(null as varchar)"
    return f"nullif(concat_ws('; ', {', '.join(parts)}), '')"
