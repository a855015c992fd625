"""restricted.duckdb: the one file that holds personal data.

It keeps the raw tables exactly as delivered, the manifest of every landed file, the
rejected rows, what `fetch` took from each server (loader.fetch_files) and what
became of every remote file in each fetch run (loader.fetch_log), and (written by
dbt) the lookups from raw ids to pseudonyms. It is created private (mode 0600) and
in DuckDB 1.5-compatible storage, so the DuckDB 1.x inside common database tools can
open it too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import duckdb

from loaders.settings import DEFAULT_SERVING_STORAGE, duckdb_memory_limit
from loaders.specs import RawTable
from loaders.sql import literal, quote_ident

MANIFEST_DDL = """
create schema if not exists loader;
create sequence if not exists loader.file_id_seq;
create table if not exists loader.manifest (
    file_id bigint primary key,
    source varchar not null,
    table_name varchar,
    file_path varchar not null,
    file_size bigint not null,
    file_mtime timestamp not null,
    file_sha256 varchar not null,
    status varchar not null,
    reason varchar,
    duplicate_of varchar,
    rows_in bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    recorded_at timestamp not null
);
alter table loader.manifest add column if not exists rows_padded bigint;
alter table loader.manifest add column if not exists columns_from varchar;
alter table loader.manifest add column if not exists encoding varchar;
alter table loader.manifest add column if not exists rows_flagged bigint;
alter table loader.manifest add column if not exists is_finding boolean;
create table if not exists loader.rejects (
    file_id bigint not null,
    file_path varchar not null,
    line bigint,
    reason varchar not null,
    record varchar
);
alter table loader.rejects add column if not exists rule varchar;
create table if not exists loader.flags (
    file_id bigint not null,
    file_path varchar not null,
    line bigint not null,
    rule varchar not null
);
create table if not exists loader.landed_files (
    file_path varchar primary key,
    file_size bigint not null,
    file_mtime timestamp not null,
    file_ctime_ns bigint not null,
    file_inode bigint not null,
    file_sha256 varchar not null,
    checked_at timestamp not null
);
create sequence if not exists loader.fetch_run_seq;
create table if not exists loader.fetch_files (
    transport varchar not null,
    remote_path varchar not null,
    local_path varchar not null,
    remote_size bigint not null,
    remote_mtime timestamp not null,
    file_sha256 varchar not null,
    fetched_at timestamp not null,
    last_run_id bigint not null,
    last_status varchar not null,
    last_reason varchar,
    primary key (transport, remote_path)
);
create table if not exists loader.fetch_log (
    run_id bigint not null,
    transport varchar not null,
    remote_path varchar not null,
    entry_type varchar not null,
    remote_size bigint,
    remote_mtime timestamp,
    downloaded boolean not null,
    local_path varchar,
    file_sha256 varchar,
    status varchar not null,
    reason varchar,
    recorded_at timestamp not null,
    primary key (run_id, transport, remote_path)
);
"""

# JSON pages: the position (from 1) of a record in its page's "value" array, a
# metadata column of the tables loaded from pages.
RECORD_COLUMN = "_source_record"

LINEAGE_COLUMNS = (
    ("_source_file", "varchar"),
    ("_source_row", "bigint"),
    ("_file_sha256", "varchar"),
    ("_loaded_at", "timestamp"),
)


def create_private_database(path: Path) -> None:
    """Create an empty DuckDB file readable by its owner only, if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.chmod(path, 0o600)
        return
    previous = os.umask(0o077)
    try:
        with duckdb.connect() as conn:
            # The format DuckDB 1.5 and newer read, as BI tools bundle DuckDB 1.x.
            conn.execute(
                f"attach {literal(str(path))} as new_db "
                f"(storage_version {literal(DEFAULT_SERVING_STORAGE)})"
            )
            conn.execute("detach new_db")
    finally:
        os.umask(previous)
    os.chmod(path, 0o600)


def connect(path: Path, tables: Iterable[RawTable] = ()) -> duckdb.DuckDBPyConnection:
    """Open restricted.duckdb for writing, with the manifest, the rejects and the
    given raw tables in place (so dbt finds every source even before its first
    delivery)."""
    create_private_database(path)
    conn = duckdb.connect(str(path), config={"memory_limit": duckdb_memory_limit()})
    conn.execute(MANIFEST_DDL)
    for table in tables:
        ensure_raw_table(conn, table)
    return conn


def ensure_raw_table(conn: duckdb.DuckDBPyConnection, table: RawTable) -> None:
    """Create the raw table, or add columns a newer spec introduced; every source
    column is text."""
    conn.execute(f"create schema if not exists {table.schema}")
    wanted = [(column.name, "varchar") for column in table.columns]
    wanted += [
        (name, "bigint" if name == RECORD_COLUMN else "varchar")
        for name in table.metadata_columns
    ]
    wanted += list(LINEAGE_COLUMNS)
    existing = {
        row[0]
        for row in conn.execute(
            "select column_name from duckdb_columns() "
            "where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [table.schema, table.name],
        ).fetchall()
    }
    if not existing:
        columns = ",\n    ".join(f"{quote_ident(n)} {t}" for n, t in wanted)
        conn.execute(f"create table {table.qualified_name} (\n    {columns}\n)")
        return
    for name, type_ in wanted:
        if name not in existing:
            conn.execute(
                f"alter table {table.qualified_name} "
                f"add column {quote_ident(name)} {type_}"
            )
