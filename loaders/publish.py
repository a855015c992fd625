"""Publish the serving layer into serving.duckdb, the one file BI tools open.

Every view in a serving schema of the warehouse (`sqls2_*`, `sqls3_*`) becomes a table
of the same schema and name, with the table and column descriptions of the dbt docs as
comments. The file is built beside the published one as `serving_next.duckdb`, in
DuckDB 1.5-compatible storage (HE_SERVING_STORAGE_VERSION; the DuckDB inside ODBC/JDBC
drivers and BI tools is 1.x and cannot open DuckDB 2.0's default format),
checkpointed, closed and flushed to disk, then renamed over `serving.duckdb` in one
atomic step. The file it replaces stays as `serving.previous.duckdb`, ready to put
back.

Readers never wait and never see a half-written file: one that holds the old file open
keeps reading the old, complete snapshot; a new connection opens the new file. The
warehouse is only read (attached READ_ONLY), so publishing takes no write lock that a
reader of the warehouse could block.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.dbt import MANIFEST, passed_build
from loaders.holders import held_for_writing
from loaders.settings import Paths, duckdb_memory_limit, serving_storage_version
from loaders.sql import literal, quote_ident

log = logging.getLogger(__name__)

SERVING_SCHEMA_PREFIXES = ("sqls2_", "sqls3_")

# Owner and the file's group read, nobody writes, others nothing: a stray read-write
# session cannot open it by default. The serving tables are pseudonymized but still
# describe individual students: share them with the BI tools' accounts through a
# group (see docs/connecting-bi-tools.md).
SERVING_FILE_MODE = 0o440

TARGET_ALIAS = "serving_next"


class PublishError(Exception):
    """Publishing refused or failed; the published file is unchanged."""


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Publication:
    path: Path
    previous: Path | None
    tables: tuple[PublishedTable, ...]

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def next_path(serving_db: Path) -> Path:
    """Where the next version is written: `serving.duckdb` -> `serving_next.duckdb`."""
    return serving_db.with_name(f"{serving_db.stem}_next{serving_db.suffix}")


def previous_path(serving_db: Path) -> Path:
    """The replaced version: `serving.duckdb` -> `serving.previous.duckdb`."""
    return serving_db.with_name(f"{serving_db.stem}.previous{serving_db.suffix}")


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def publish(paths: Paths, manifest: Path = MANIFEST) -> Publication:
    """Publish the serving views of the last passing build; return what was published.

    Raises PublishError, leaving the published file as it was, when there is no
    passing full build to publish or another program has the published file open for
    writing.
    """
    build = passed_build(paths)
    if build is None:
        raise PublishError(
            f"nothing to publish: the warehouse {paths.warehouse_db} has no passing "
            "full `dbt build` since it last changed (never built, or the last build "
            "failed, was partial, or another dbt command ran since). Run "
            "`hybrid-engagement build` (or `pipeline`); the published file is "
            "unchanged."
        )
    log.info("publishing the build of %s (%s)", build["finished_at"], build["results"])
    target = paths.serving_db
    _refuse_if_held(target)
    if wal_path(target).exists():
        raise PublishError(
            f"{wal_path(target)} exists: a program opened {target.name} for writing. "
            "BI tools must open it read-only. Close that program, delete the .wal "
            "file, and publish again; the published file is unchanged."
        )
    descriptions = Descriptions.from_manifest(manifest)
    staging = next_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_database(staging)
    try:
        tables = _write(paths.warehouse_db, staging, descriptions)
        _seal(staging)
        _refuse_if_held(target)  # again: a session may have opened it meanwhile
    except BaseException:
        _remove_database(staging)
        raise
    previous = _swap_into_place(staging, target)
    _record_publication(paths, build)
    log.info(
        "published %s tables (%s rows) to %s",
        len(tables),
        f"{sum(t.rows for t in tables):,}",
        target,
    )
    return Publication(target, previous, tables)


def _refuse_if_held(target: Path) -> None:
    """A program holding the published file read-write would keep writing to the
    replaced file (or leave a WAL that breaks every new reader): say who, and stop."""
    held = held_for_writing(target)
    if held:
        raise PublishError(f"{held}; the published file is unchanged.")


def publication_record(paths: Paths) -> Path:
    """Beside the published file: which build it holds."""
    return paths.serving_db.with_name(paths.serving_db.name + ".build.json")


def published_build(paths: Paths) -> str | None:
    """When the build the published file holds finished, or None if unknown."""
    try:
        return json.loads(publication_record(paths).read_text())["finished_at"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


def _record_publication(paths: Paths, build: dict[str, object]) -> None:
    record = publication_record(paths)
    partial = record.with_name(record.name + ".part")
    partial.write_text(json.dumps({"finished_at": build["finished_at"]}) + "\n")
    os.replace(partial, record)


def serving_views(
    conn: duckdb.DuckDBPyConnection, catalog: str
) -> list[tuple[str, str]]:
    """(schema, view) of every serving view in `catalog`, in name order."""
    views = conn.execute(
        "select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal order by schema_name, view_name",
        [catalog],
    ).fetchall()
    return [
        (schema, view)
        for schema, view in views
        if schema.startswith(SERVING_SCHEMA_PREFIXES)
    ]


@dataclass(frozen=True)
class Descriptions:
    """The rendered dbt descriptions of the serving models, by schema and name."""

    tables: dict[tuple[str, str], str]
    columns: dict[tuple[str, str], dict[str, str]]

    @classmethod
    def from_manifest(cls, manifest: Path) -> Descriptions:
        if not manifest.exists():
            raise PublishError(
                f"dbt's {manifest} is missing: run `hybrid-engagement build` first."
            )
        nodes = json.loads(manifest.read_text())["nodes"].values()
        tables: dict[tuple[str, str], str] = {}
        columns: dict[tuple[str, str], dict[str, str]] = {}
        for node in nodes:
            if node["resource_type"] != "model":
                continue
            # DuckDB's names are case-insensitive: match them that way.
            key = (node["schema"].lower(), (node["alias"] or node["name"]).lower())
            tables[key] = node["description"]
            columns[key] = {
                name.lower(): column["description"]
                for name, column in node["columns"].items()
            }
        return cls(tables, columns)

    def table(self, schema: str, name: str) -> str:
        return self.tables.get((schema.lower(), name.lower()), "")

    def column(self, schema: str, name: str, column: str) -> str:
        return self.columns.get((schema.lower(), name.lower()), {}).get(
            column.lower(), ""
        )


def _write(
    warehouse: Path, staging: Path, descriptions: Descriptions
) -> tuple[PublishedTable, ...]:
    temp_dir = staging.with_name(staging.name + ".tmp")
    storage = serving_storage_version()
    config = {
        "memory_limit": duckdb_memory_limit(),
        "temp_directory": str(temp_dir),
        # Anything this connection creates defaults to that storage version too.
        "storage_compatibility_version": storage,
    }
    # The warehouse keeps its own catalog name (its file name), which is what its
    # views were written against.
    source = warehouse.stem
    published = []
    try:
        with duckdb.connect(config=config) as conn:
            conn.execute(
                f"attach {literal(str(warehouse))} as {quote_ident(source)} (read_only)"
            )
            conn.execute(
                f"attach {literal(str(staging))} as {TARGET_ALIAS} "
                f"(storage_version {literal(storage)})"
            )
            for schema, view in serving_views(conn, source):
                rows = _copy_view(conn, source, (schema, view), descriptions)
                published.append(PublishedTable(schema, view, rows))
            conn.execute(f"checkpoint {TARGET_ALIAS}")
            conn.execute(f"detach {TARGET_ALIAS}")
            conn.execute(f"detach {quote_ident(source)}")
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    if not published:
        raise PublishError(
            f"{warehouse} has no view in a {'/'.join(SERVING_SCHEMA_PREFIXES)}* "
            "schema: nothing to publish."
        )
    return tuple(published)


def _copy_view(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    relation: tuple[str, str],
    descriptions: Descriptions,
) -> int:
    schema, view = relation
    name = f"{quote_ident(schema)}.{quote_ident(view)}"
    table = f"{TARGET_ALIAS}.{name}"
    conn.execute(f"create schema if not exists {TARGET_ALIAS}.{quote_ident(schema)}")
    rows = conn.execute(
        f"create table {table} as select * from {quote_ident(source)}.{name}"
    ).fetchone()[0]
    description = descriptions.table(schema, view)
    if not description:
        log.warning(
            "%s.%s has no dbt description: published without comments", schema, view
        )
        return rows
    conn.execute(f"comment on table {table} is {literal(description)}")
    columns = conn.execute(
        "select column_name from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [TARGET_ALIAS, schema, view],
    ).fetchall()
    for (column,) in columns:
        text = descriptions.column(schema, view, column)
        if text:
            conn.execute(
                f"comment on column {table}.{quote_ident(column)} is {literal(text)}"
            )
    return rows


def _seal(staging: Path) -> None:
    """The closed file must be complete on its own and on disk before it is shown."""
    if wal_path(staging).exists():
        raise PublishError(
            f"{wal_path(staging)} remained after the checkpoint; not publishing."
        )
    os.chmod(staging, SERVING_FILE_MODE)
    _fsync(staging)


def _swap_into_place(staging: Path, target: Path) -> Path | None:
    """Rename `staging` over `target` atomically, keeping the replaced file as the
    previous version. Returns the previous version's path, if there was one."""
    directory = target.parent
    previous = previous_path(target)
    if not target.exists():
        os.replace(staging, target)
        _fsync(directory)
        return None
    try:
        # A second name for the current file, so it stays in place, untouched, until
        # the new file replaces it in a single rename.
        linked = previous.with_name(previous.name + ".link")
        linked.unlink(missing_ok=True)
        os.link(target, linked)
        os.replace(linked, previous)
    except OSError as error:
        # File systems without hard links: move it aside; for the instant between
        # the two renames, a new connection finds no file (never a partial one).
        log.warning("no hard link on %s (%s): moving the old file", directory, error)
        os.replace(target, previous)
    _fsync(directory)
    os.replace(staging, target)
    _fsync(directory)
    return previous


def _remove_database(path: Path) -> None:
    for leftover in (path, wal_path(path)):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
