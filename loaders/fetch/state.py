"""The fetch state in restricted.duckdb: loader.fetch_files (per remote path, the
size, mtime and hash of the version we hold) and loader.fetch_log (one row per
listed entry per run, with its status and why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from loaders import restricted
from loaders.manifest import utc_now
from loaders.sources import all_tables

if TYPE_CHECKING:
    from loaders.fetch.listing import Entry


@dataclass(frozen=True)
class Fetched:
    """A remote path's row in loader.fetch_files: the version we hold."""

    size: int
    mtime: datetime
    sha256: str
    fetched_at: datetime
    in_manifest: bool


def fetched_files(restricted_db: Path, transport: str) -> dict[str, Fetched]:
    """The state of every remote path fetched through `transport`, by path, and
    whether the manifest holds the landed version."""
    with restricted.connect(restricted_db, all_tables()) as conn:
        rows = conn.execute(
            """
            select
                fetched.remote_path,
                fetched.remote_size,
                fetched.remote_mtime,
                fetched.file_sha256,
                fetched.fetched_at,
                exists (
                    select 1 from loader.manifest
                    where manifest.file_path = fetched.local_path
                        and manifest.file_sha256 = fetched.file_sha256
                ) as in_manifest
            from loader.fetch_files as fetched
            where fetched.transport = ?
            """,
            [transport],
        ).fetchall()
    return {row[0]: Fetched(*row[1:]) for row in rows}


def record(restricted_db: Path, transport: str, entries: list[Entry]) -> int:
    """One fetch_log row per entry, and the fetch state of every file we hold, in
    one transaction."""
    now = utc_now()
    with restricted.connect(restricted_db, all_tables()) as conn:
        conn.begin()
        run_id = conn.execute("select nextval('loader.fetch_run_seq')").fetchone()[0]
        _insert_values(
            conn,
            "loader.fetch_log",
            [
                (
                    run_id,
                    transport,
                    entry.recorded_path,
                    entry.remote.kind,
                    entry.remote.size,
                    entry.remote.mtime,
                    entry.downloaded,
                    entry.local_relative if entry.sha256 else None,
                    entry.sha256,
                    entry.status,
                    entry.reason,
                    now,
                )
                for entry in entries
            ],
        )
        # A downloaded file's new state: its size and mtime now, and (when its
        # content changed) the new hash and download time.
        _insert_values(
            conn,
            "loader.fetch_files",
            [
                (
                    transport,
                    entry.recorded_path,
                    entry.local_relative,
                    entry.remote.size,
                    entry.remote.mtime,
                    entry.sha256,
                    (
                        entry.earlier.fetched_at
                        if entry.earlier and entry.earlier.sha256 == entry.sha256
                        else now
                    ),
                    run_id,
                    entry.status,
                    entry.reason,
                )
                for entry in entries
                if entry.downloaded
            ],
            on_conflict="""
            on conflict (transport, remote_path) do update set
                local_path = excluded.local_path,
                remote_size = excluded.remote_size,
                remote_mtime = excluded.remote_mtime,
                file_sha256 = excluded.file_sha256,
                fetched_at = excluded.fetched_at,
                last_run_id = excluded.last_run_id,
                last_status = excluded.last_status,
                last_reason = excluded.last_reason
            """,
        )
        conn.execute(
            """
            update loader.fetch_files
            set
                last_run_id = fetch_log.run_id,
                last_status = fetch_log.status,
                last_reason = fetch_log.reason
            from loader.fetch_log
            where fetch_log.run_id = ?
                and fetch_log.transport = fetch_files.transport
                and fetch_log.remote_path = fetch_files.remote_path
                and not fetch_log.downloaded
            """,
            [run_id],
        )
        conn.commit()
    return run_id


def _insert_values(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[tuple],
    batch: int = 500,
    on_conflict: str = "",
) -> None:
    """Insert rows with one statement per batch (a statement per row is slow)."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        marks = "(" + ", ".join("?" * len(chunk[0])) + ")"
        conn.execute(
            f"insert into {table} values {', '.join([marks] * len(chunk))} "
            f"{on_conflict}",
            [value for row in chunk for value in row],
        )
