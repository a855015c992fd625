"""Publish the serving layer into serving.duckdb, the one file BI tools open.

Every view in a serving schema of the warehouse (`sqls2_*`, `sqls3_*`) becomes a table
of the same schema and name, with the table and column descriptions of the dbt docs as
comments. The file is built beside the published one as `serving_next.duckdb`, in
DuckDB 1.5-compatible storage (HE_SERVING_STORAGE_VERSION; the DuckDB inside ODBC/JDBC
drivers and BI tools is 1.x and cannot open DuckDB 2.0's default format),
checkpointed, closed and flushed to disk, then renamed over `serving.duckdb` in one
atomic step. The file it replaces stays as `serving.previous.duckdb`, ready to put
back.

A publication after the first starts from a copy of the published file and writes
only what changed: a table whose rows are the view's (same columns, same row count and
sum of row hashes) is kept; a large table published date by date (its model's
`meta: {publish_by_date: <column>}`) has the rows of the dates whose count or hash sum
differs deleted and written again; any other table is written whole. The result holds
the same rows as a publication from scratch, which is what happens when there is no
published file, it is in another storage version, or more than half of it is free
space (a file that only ever changes by deletes and inserts is rewritten now and then).

The per-date counts and hash sums of what a publication wrote are recorded beside the
published file (serving.duckdb.build.json, with the file's size and modification time
to the nanosecond), so the next publication hashes only the built side: the published
side is hashed again whenever the file is not the one recorded (another version put
back, changed in place; a copy that keeps the time, `cp -p`, holds the same bytes).

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
from dataclasses import dataclass, field
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

# How a table was published (PublishedTable.change).
WRITTEN, UNCHANGED, BY_DATE = "written", "unchanged", "by date"


# A date ("YYYY-MM-DD", None for rows without one), its row count and its sum of
# row hashes (a 128-bit integer, as text).
DateFingerprint = tuple[str | None, int, str]


class PublishError(Exception):
    """Publishing refused or failed; the published file is unchanged."""


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int
    # What this publication wrote of it: "written" (the whole table), "unchanged",
    # or "by date" (the rows of dates_written of its dates).
    change: str = "written"
    dates_written: int = 0
    dates: int = 0
    # Of a table published by date: (date, row count, sum of row hashes) per date
    # of what was published, recorded for the next publication.
    fingerprints: tuple[DateFingerprint, ...] = field(default=(), repr=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def written(self) -> str:
        """E.g. "unchanged" or "2 of 90 dates"."""
        if self.change == BY_DATE:
            return f"{self.dates_written} of {self.dates} dates"
        return self.change


@dataclass(frozen=True)
class Publication:
    path: Path
    previous: Path | None
    tables: tuple[PublishedTable, ...]

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)

    @property
    def changes(self) -> str:
        """What it wrote, in a few words: "3 written, 17 unchanged, 4 by date (6 of
        360 dates written)"."""
        tables = self.tables
        parts = [
            f"{sum(t.change == change for t in tables)} {change}"
            for change in (WRITTEN, UNCHANGED)
        ]
        by_date = [t for t in tables if t.change == BY_DATE]
        if by_date:
            written = sum(t.dates_written for t in by_date)
            dates = sum(t.dates for t in by_date)
            parts.append(f"{len(by_date)} by date ({written} of {dates} dates written)")
        return ", ".join(parts)


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
    models = ServingModels.from_manifest(manifest)
    staging = next_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_database(staging)
    try:
        base = target if target.exists() else None
        recorded = _recorded_fingerprints(paths) if base else {}
        tables = _write(paths.warehouse_db, staging, models, base, recorded)
        _seal(staging)
        written = _file_identity(staging)
        _refuse_if_held(target)  # again: a session may have opened it meanwhile
    except BaseException:
        _remove_database(staging)
        raise
    previous = _swap_into_place(staging, target)
    _record_publication(paths, build, written, tables)
    publication = Publication(target, previous, tables)
    log.info(
        "published %s tables (%s rows) to %s: %s",
        len(tables),
        f"{publication.rows:,}",
        target,
        publication.changes,
    )
    for table in tables:
        log.debug("published %s: %s", table.qualified_name, table.written)
    return publication


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


def _record_publication(
    paths: Paths,
    build: dict[str, object],
    written: list[int],
    tables: tuple[PublishedTable, ...],
) -> None:
    record = publication_record(paths)
    partial = record.with_name(record.name + ".part")
    fingerprints = {
        table.qualified_name: table.fingerprints
        for table in tables
        if table.fingerprints
    }
    content = {
        "finished_at": build["finished_at"],
        "file": written,
        "date_fingerprints": fingerprints,
    }
    partial.write_text(json.dumps(content) + "\n")
    os.replace(partial, record)


def _file_identity(path: Path) -> list[int]:
    """Size and modification time (ns): another version of the file, or this one
    written to since, differs in one of them."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


def _recorded_fingerprints(paths: Paths) -> dict[str, list[DateFingerprint]]:
    """The per-date fingerprints the last publication recorded, by table, if the
    published file is still the file it wrote (else none: it is hashed again)."""
    try:
        record = json.loads(publication_record(paths).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    if record.get("file") != _file_identity(paths.serving_db):
        return {}
    return record.get("date_fingerprints", {})


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
class ServingModels:
    """What dbt's manifest says of the serving models, by schema and name: their
    rendered descriptions, and the date column of those published date by date."""

    tables: dict[tuple[str, str], str]
    columns: dict[tuple[str, str], dict[str, str]]
    date_columns: dict[tuple[str, str], str]

    @classmethod
    def from_manifest(cls, manifest: Path) -> ServingModels:
        if not manifest.exists():
            raise PublishError(
                f"dbt's {manifest} is missing: run `hybrid-engagement build` first."
            )
        nodes = json.loads(manifest.read_text())["nodes"].values()
        tables: dict[tuple[str, str], str] = {}
        columns: dict[tuple[str, str], dict[str, str]] = {}
        date_columns: dict[tuple[str, str], str] = {}
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
            date_column = node["config"].get("meta", {}).get("publish_by_date")
            if date_column:
                date_columns[key] = date_column
        return cls(tables, columns, date_columns)

    def table(self, schema: str, name: str) -> str:
        return self.tables.get((schema.lower(), name.lower()), "")

    def column(self, schema: str, name: str, column: str) -> str:
        return self.columns.get((schema.lower(), name.lower()), {}).get(
            column.lower(), ""
        )

    def date_column(self, schema: str, name: str) -> str | None:
        return self.date_columns.get((schema.lower(), name.lower()))


def _write(
    warehouse: Path,
    staging: Path,
    models: ServingModels,
    base: Path | None,
    recorded: dict[str, list[DateFingerprint]],
) -> tuple[PublishedTable, ...]:
    """Write the serving views into `staging`: from scratch, or starting from a
    copy of `base` (the published file, whose tables published by date have the
    `recorded` per-date fingerprints) and writing only what changed."""
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
            copied = base is not None and _start_from_copy(conn, base, staging, storage)
            if not copied:
                conn.execute(
                    f"attach {literal(str(staging))} as {TARGET_ALIAS} "
                    f"(storage_version {literal(storage)})"
                )
            views = serving_views(conn, source)
            if copied:
                _drop_tables_not_in(conn, views)
            for schema, view in views:
                date_column = models.date_column(schema, view)
                known = recorded.get(f"{schema}.{view}")
                published.append(
                    _publish_view(
                        conn, source, (schema, view), date_column, copied, known
                    )
                )
                _describe(conn, (schema, view), models)
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


def _start_from_copy(
    conn: duckdb.DuckDBPyConnection, base: Path, staging: Path, storage: str
) -> bool:
    """Copy the published file to `staging` and attach it, unless it is in another
    storage version, mostly free space or unreadable (then it is written from
    scratch)."""
    shutil.copyfile(base, staging)
    try:
        conn.execute(f"attach {literal(str(staging))} as {TARGET_ALIAS}")
        version, free_blocks, used_blocks = conn.execute(
            "select databases.tags['storage_version'], sizes.free_blocks, "
            "sizes.used_blocks "
            "from duckdb_databases() as databases "
            "inner join pragma_database_size() as sizes using (database_name) "
            "where database_name = ?",
            [TARGET_ALIAS],
        ).fetchone()
    except duckdb.Error as error:
        reason = f"the published file cannot be read ({error})"
    else:
        if str(version).startswith(storage) and free_blocks <= used_blocks:
            return True
        reason = (
            f"the published file is in storage {version} (wanted {storage}), "
            f"{free_blocks:,} of its {free_blocks + used_blocks:,} blocks free"
        )
    log.info("writing %s from scratch: %s", staging.name, reason)
    conn.execute(f"detach database if exists {TARGET_ALIAS}")
    _remove_database(staging)
    return False


def _drop_tables_not_in(
    conn: duckdb.DuckDBPyConnection, views: list[tuple[str, str]]
) -> None:
    """Drop the copied file's tables (and then empty schemas) that are no longer
    serving views."""
    wanted = {(schema.lower(), view.lower()) for schema, view in views}
    tables = conn.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?",
        [TARGET_ALIAS],
    ).fetchall()
    for schema, table in tables:
        if (schema.lower(), table.lower()) not in wanted:
            conn.execute(
                f"drop table {TARGET_ALIAS}.{quote_ident(schema)}.{quote_ident(table)}"
            )
    schemas = {schema.lower() for schema, _ in views} | {"main"}
    for (schema,) in conn.execute(
        "select schema_name from duckdb_schemas() "
        "where database_name = ? and not internal",
        [TARGET_ALIAS],
    ).fetchall():
        if schema.lower() not in schemas:
            conn.execute(f"drop schema {TARGET_ALIAS}.{quote_ident(schema)}")


def _publish_view(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    relation: tuple[str, str],
    date_column: str | None,
    copied: bool,
    known: list[DateFingerprint] | None,
) -> PublishedTable:
    """Make the target's table of a view hold the view's rows (`known`: the
    published table's per-date fingerprints, when recorded)."""
    schema, view = relation
    name = f"{quote_ident(schema)}.{quote_ident(view)}"
    table = f"{TARGET_ALIAS}.{name}"
    built = f"{quote_ident(source)}.{name}"
    conn.execute(f"create schema if not exists {TARGET_ALIAS}.{quote_ident(schema)}")
    if copied and _columns(conn, TARGET_ALIAS, relation) == _columns(
        conn, source, relation
    ):
        if date_column is not None:
            written, fingerprints = _publish_changed_dates(
                conn, table, built, date_column, known
            )
            rows = _row_count(conn, table)
            dates = sum(day is not None for day, _, _ in fingerprints)
            return PublishedTable(
                schema, view, rows, BY_DATE, written, dates, fingerprints
            )
        if _fingerprint(conn, table) == _fingerprint(conn, built):
            return PublishedTable(schema, view, _row_count(conn, table), UNCHANGED)
    rows = conn.execute(f"create or replace table {table} as select * from {built}")
    return PublishedTable(schema, view, rows.fetchone()[0], WRITTEN)


def _publish_changed_dates(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    built: str,
    date_column: str,
    known: list[DateFingerprint] | None,
) -> tuple[int, tuple[DateFingerprint, ...]]:
    """Delete and write again the rows of the dates whose row count or sum of row
    hashes differs between the published table (`known`, else counted here) and
    the view; return how many dates were written and the fingerprints of every
    date as published."""
    day = f"cast(published_row.{quote_ident(date_column)} as date)"
    sides = [("built", built)]
    if known is None:
        sides.append(("published", table))
    else:
        conn.execute(
            "create or replace temp table published_dates "
            "(partition_date date, row_count bigint, row_hash_sum hugeint)"
        )
        if known:
            conn.executemany(
                "insert into published_dates values (?, ?, cast(? as hugeint))",
                [list(fingerprint) for fingerprint in known],
            )
    for side, relation in sides:
        conn.execute(
            f"create or replace temp table {side}_dates as "
            f"select {day} as partition_date, count(*) as row_count, "
            "sum(hash(published_row)) as row_hash_sum "
            f"from (select * from {relation}) as published_row group by all"
        )
    conn.execute(
        "create or replace temp table changed_dates as "
        "select coalesce(published.partition_date, built.partition_date) "
        "  as partition_date "
        "from published_dates as published full outer join built_dates as built "
        "  on published.partition_date is not distinct from built.partition_date "
        "where published.row_count is distinct from built.row_count "
        "  or published.row_hash_sum is distinct from built.row_hash_sum"
    )
    changed = _row_count(conn, "changed_dates")
    if changed:
        in_changed = (
            f"({day} in (select partition_date from changed_dates) "
            f"or ({day} is null and exists "
            "(select 1 from changed_dates where partition_date is null)))"
        )
        conn.execute(f"delete from {table} as published_row where {in_changed}")
        conn.execute(
            f"insert into {table} select * from {built} as published_row "
            f"where {in_changed}"
        )
    fingerprints = conn.execute(
        "select cast(partition_date as varchar), row_count, "
        "cast(row_hash_sum as varchar) from built_dates order by partition_date"
    ).fetchall()
    return changed, tuple(fingerprints)


def _columns(
    conn: duckdb.DuckDBPyConnection, catalog: str, relation: tuple[str, str]
) -> list[tuple[str, str]]:
    """(name, type) of a table's or view's columns, in order."""
    return conn.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? "
        "order by column_index",
        [catalog, *relation],
    ).fetchall()


def _fingerprint(conn: duckdb.DuckDBPyConnection, relation: str) -> tuple:
    return conn.execute(
        "select count(*), sum(hash(published_row)) "
        f"from (select * from {relation}) as published_row"
    ).fetchone()


def _row_count(conn: duckdb.DuckDBPyConnection, relation: str) -> int:
    return conn.execute(f"select count(*) from {relation}").fetchone()[0]


def _describe(
    conn: duckdb.DuckDBPyConnection,
    relation: tuple[str, str],
    models: ServingModels,
) -> None:
    """Set the table's and its columns' comments to the dbt descriptions (none
    where there is none), changing only those that differ."""
    schema, view = relation
    table = f"{TARGET_ALIAS}.{quote_ident(schema)}.{quote_ident(view)}"
    description = models.table(schema, view)
    if not description:
        log.warning(
            "%s.%s has no dbt description: published without comments", schema, view
        )
    (comment,) = conn.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [TARGET_ALIAS, schema, view],
    ).fetchone()
    if (comment or "") != description:
        conn.execute(f"comment on table {table} is {_comment(description)}")
    columns = conn.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [TARGET_ALIAS, schema, view],
    ).fetchall()
    for column, comment in columns:
        text = models.column(schema, view, column) if description else ""
        if (comment or "") != text:
            conn.execute(
                f"comment on column {table}.{quote_ident(column)} is {_comment(text)}"
            )


def _comment(text: str) -> str:
    return literal(text) if text else "null"


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
