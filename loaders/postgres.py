"""Copy the published serving tables into PostgreSQL, for BI tools that speak it.

Power BI, Tableau, Metabase and Grafana ship PostgreSQL connectors; this gives them
the same schemas, tables, columns and comments as serving.duckdb. The copy replaces
the previous one atomically: in one transaction every table is loaded into a new
schema `<schema>__next`, the current schema is renamed away (`<schema>__retired_<time>`)
and the new one renamed into its place. Readers see the old tables or the new ones,
never a mix; a failure anywhere rolls everything back and leaves the old tables as they
were. Retired schemas are dropped afterwards, without waiting for a reader that still
holds one (a later publish drops it).

Rows travel as CSV from DuckDB's COPY, through a pipe, into PostgreSQL's COPY: no
Python per row and no temporary file, whatever the size.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict

from loaders.publish import PublishedTable
from loaders.sql import quote_ident

log = logging.getLogger(__name__)

NEXT_SUFFIX = "__next"
RETIRED_INFIX = "__retired_"
DROP_WAIT = "2s"
BLOCK_BYTES = 1 << 20

# DuckDB type -> PostgreSQL type. Anything else is refused by name rather than
# converted into something a dashboard would misread.
PG_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "UUID": "uuid",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class PostgresError(Exception):
    """The copy into PostgreSQL failed; PostgreSQL's tables are unchanged."""


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    comment: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str | None
    columns: tuple[Column, ...]


def describe_url(url: str) -> str:
    """The connection target for logs and messages, never its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL URL given (unparsable)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def publish_to_postgres(
    serving_db: Path, url: str, reader_role: str | None = None
) -> tuple[PublishedTable, ...]:
    """Replace the serving schemas in PostgreSQL with the tables of `serving_db`.

    `reader_role`, when given, is granted USAGE on the new schemas and SELECT on
    their tables (new schemas carry no grants of the ones they replace).
    """
    where = describe_url(url)
    swapped = False
    try:
        with (
            duckdb.connect(str(serving_db), read_only=True) as source,
            psycopg.connect(url, autocommit=True) as target,
        ):
            tables = _tables(source)
            schemas = sorted({table.schema for table in tables})
            copied = []
            with target.transaction():
                for schema in schemas:
                    _create_next_schema(target, schema)
                for table in tables:
                    rows = _copy_table(source, target, table)
                    copied.append(PublishedTable(table.schema, table.name, rows))
                    log.info("postgres: %s.%s %s rows", table.schema, table.name, rows)
                for schema in schemas:
                    if reader_role:
                        _grant_reading(target, schema, reader_role)
                    _swap(target, schema)
            swapped = True
            for schema in schemas:
                _drop_retired(target, schema)
    except psycopg.Error as error:
        state = (
            "the new tables are in place; old ones may be left to drop"
            if swapped
            else "its tables are unchanged"
        )
        raise PostgresError(f"copying to {where} failed ({state}): {error}") from None
    log.info("postgres: replaced %s in %s", ", ".join(schemas), where)
    return tuple(copied)


def _tables(source: duckdb.DuckDBPyConnection) -> list[Table]:
    rows = source.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() order by schema_name, table_name"
    ).fetchall()
    return [
        Table(schema, name, comment, _columns(source, schema, name))
        for schema, name, comment in rows
    ]


def _columns(
    source: duckdb.DuckDBPyConnection, schema: str, table: str
) -> tuple[Column, ...]:
    rows = source.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? "
        "and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    return tuple(
        Column(name, _pg_type(f"{schema}.{table}.{name}", type_), comment)
        for name, type_, comment in rows
    )


def _pg_type(column: str, duckdb_type: str) -> str:
    if duckdb_type in PG_TYPES:
        return PG_TYPES[duckdb_type]
    decimal = DECIMAL.fullmatch(duckdb_type.replace(" ", ""))
    if decimal:
        return f"numeric({decimal[1]}, {decimal[2]})"
    raise PostgresError(
        f"{column} is {duckdb_type}, which has no faithful PostgreSQL type here; "
        "cast it in its serving view."
    )


def _create_next_schema(target: psycopg.Connection, schema: str) -> None:
    next_schema = sql.Identifier(schema + NEXT_SUFFIX)
    target.execute(sql.SQL("drop schema if exists {} cascade").format(next_schema))
    target.execute(sql.SQL("create schema {}").format(next_schema))


def _grant_reading(target: psycopg.Connection, schema: str, role: str) -> None:
    next_schema = sql.Identifier(schema + NEXT_SUFFIX)
    for statement in (
        "grant usage on schema {} to {}",
        "grant select on all tables in schema {} to {}",
    ):
        target.execute(sql.SQL(statement).format(next_schema, sql.Identifier(role)))


def _copy_table(
    source: duckdb.DuckDBPyConnection, target: psycopg.Connection, table: Table
) -> int:
    name = sql.SQL("{}.{}").format(
        sql.Identifier(table.schema + NEXT_SUFFIX), sql.Identifier(table.name)
    )
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.pg_type))
        for column in table.columns
    )
    target.execute(sql.SQL("create table {} ({})").format(name, definitions))
    columns = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    select = f"select * from {quote_ident(table.schema)}.{quote_ident(table.name)}"
    with (
        target.cursor() as cursor,
        cursor.copy(
            sql.SQL("copy {} ({}) from stdin (format csv)").format(name, columns)
        ) as copy,
        _csv_stream(source, select) as stream,
    ):
        while block := stream.read(BLOCK_BYTES):
            copy.write(block)
    if table.comment:
        target.execute(
            sql.SQL("comment on table {} is {}").format(
                name, sql.Literal(table.comment)
            )
        )
    for column in table.columns:
        if column.comment:
            target.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    name, sql.Identifier(column.name), sql.Literal(column.comment)
                )
            )
    counted = target.execute(sql.SQL("select count(*) from {}").format(name))
    return counted.fetchone()[0]


@contextmanager
def _csv_stream(source: duckdb.DuckDBPyConnection, select: str) -> Iterator[BinaryIO]:
    """The result of `select` as CSV (NULL unquoted and empty, as PostgreSQL reads
    it), written by DuckDB in a thread into a pipe this side reads."""
    read_end, write_end = os.pipe()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            source.cursor().execute(
                f"copy ({select}) to '/dev/fd/{write_end}' (format csv, header false)"
            )
        except BaseException as error:  # reported by the reading side
            failures.append(error)
        finally:
            # The reader sees the end of the data once DuckDB and this closed it.
            os.close(write_end)

    writer = threading.Thread(target=write, name="duckdb-csv", daemon=True)
    writer.start()
    try:
        with os.fdopen(read_end, "rb") as stream:
            yield stream
    finally:
        writer.join()
    if failures:
        raise PostgresError(f"reading {select!r} from DuckDB failed: {failures[0]}")


def _swap(target: psycopg.Connection, schema: str) -> None:
    """Retire the current schema and put the new one in its place. Renaming a schema
    waits for no reader: queries lock tables, not schemas."""
    current = sql.Identifier(schema)
    exists = target.execute(
        "select 1 from pg_namespace where nspname = %s", [schema]
    ).fetchone()
    if exists:
        retired = f"{schema}{RETIRED_INFIX}{time.strftime('%Y%m%d%H%M%S')}"
        retired += f"_{time.monotonic_ns() % 1_000_000:06d}"
        target.execute(
            sql.SQL("alter schema {} rename to {}").format(
                current, sql.Identifier(retired)
            )
        )
    target.execute(
        sql.SQL("alter schema {} rename to {}").format(
            sql.Identifier(schema + NEXT_SUFFIX), current
        )
    )


def _drop_retired(target: psycopg.Connection, schema: str) -> None:
    """Drop the retired copies of `schema`. One whose tables a reader still holds
    (a long query, an open transaction) is left for a later publish rather than
    waited for."""
    names = target.execute("select nspname from pg_namespace").fetchall()
    target.execute(f"set lock_timeout = '{DROP_WAIT}'")
    try:
        for (name,) in names:
            if not name.startswith(schema + RETIRED_INFIX):
                continue
            try:
                target.execute(
                    sql.SQL("drop schema {} cascade").format(sql.Identifier(name))
                )
            except errors.LockNotAvailable:
                log.info("postgres: %s is still being read; dropped later", name)
    finally:
        target.execute("reset lock_timeout")
