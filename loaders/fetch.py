"""Fetch a source's deliveries from its server into the landing tree, each once.

Every run lists the source's remote report folders and gives every entry in them one
status, recorded in loader.fetch_log:

    loaded       its bytes are in landing/ and this run loaded them
    duplicate    downloaded, but those bytes were already loaded: nothing added
    quarantined  the loader cannot read it as its report (the reason says why)
    skipped      not downloaded, and why: unchanged since it was fetched; still
                 being written (younger than the settle time, changed while it
                 was downloading, or empty); not a report file name; a link, a
                 folder or an unsafe name (remote names are untrusted)
    error        could not be downloaded after the retries, and why

Whether a file is new is decided per remote path by its size and modification time
against loader.fetch_files, never by a newest-timestamp watermark (which loses files
that share a second). A download streams into `<name>.part` beside its final place
while it is hashed, is fsynced, and is renamed into place only if the remote file
had the same size and mtime before and after and every byte arrived; otherwise the
.part file is removed and a later run tries again. A crash leaves at most a .part
file, which the loader never reads and the next run removes.

A run fails (the CLI exits non-zero) when it leaves a report file unfetched or
unloaded: any error, any quarantined file, and any file still being written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from loaders import restricted
from loaders.load import FileOutcome, LoadReport, load_landing
from loaders.names import printable, unsafe_name
from loaders.progress import Progress, size_text
from loaders.settings import Paths, read_config_file, settings_from
from loaders.sources import all_tables
from loaders.specs import RemoteFolder, Source
from loaders.transports.base import (
    RefusedError,
    RemoteFile,
    TransientError,
    Transport,
    iter_chunks,
    join,
)
from loaders.transports.local import LocalTransport
from loaders.transports.sftp import SECRET_KEYS, SftpSettings, SftpTransport

log = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK_BYTES = 256 * 1024
MAX_RETRY_DELAY = 60.0


@dataclass(frozen=True)
class FetchSettings:
    """Each field comes from HE_FETCH_<FIELD> or the config file's [fetch] table."""

    settle_seconds: float = 120.0
    retries: int = 3
    retry_delay: float = 2.0


class FetchError(Exception):
    """The run could not list the server (refused, unreachable, wrong root)."""


def open_transport(
    *, from_dir: Path | None, config_file: Path | None
) -> tuple[Transport, FetchSettings]:
    """The transport and fetch settings from the environment and the config file.
    Raises loaders.settings.ConfigError when something is missing or unusable."""
    config = (
        read_config_file(config_file, secret_keys=SECRET_KEYS) if config_file else {}
    )
    settings = settings_from(
        FetchSettings, section="fetch", env_prefix="HE_FETCH_", config=config
    )
    if from_dir is not None:
        return LocalTransport(from_dir), settings
    sftp = settings_from(
        SftpSettings, section="sftp", env_prefix="HE_SFTP_", config=config
    )
    return SftpTransport(sftp), settings


@dataclass
class Entry:
    """One listed remote entry and what became of it in this run."""

    remote: RemoteFile
    folder: RemoteFolder
    recorded_path: str
    local_path: Path | None = None
    local_relative: str | None = None
    status: str | None = None
    reason: str | None = None
    fetch_later: bool = False
    downloaded: bool = False
    unchanged_since: datetime | None = None
    sha256: str | None = None

    def finish(
        self, status: str, reason: str | None = None, *, fetch_later: bool = False
    ) -> None:
        self.status, self.reason, self.fetch_later = status, reason, fetch_later

    @property
    def label(self) -> str:
        return f"{self.status}: {self.reason}" if self.reason else str(self.status)


@dataclass
class FetchReport:
    transport: str
    entries: list[Entry]
    load: LoadReport | None
    elapsed: float
    run_id: int | None = None

    def with_status(self, status: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.status == status]

    @property
    def failures(self) -> list[Entry]:
        """Report files this run left unfetched or unloaded."""
        return [
            entry
            for entry in self.entries
            if entry.status in ("error", "quarantined") or entry.fetch_later
        ]

    def summary(self) -> str:
        downloaded = [entry for entry in self.entries if entry.downloaded]
        unchanged = [entry for entry in self.entries if entry.unchanged_since]
        skipped = [
            entry
            for entry in self.with_status("skipped")
            if not (entry.downloaded or entry.unchanged_since)
        ]
        fetched = (
            f"{len(downloaded):,} fetched "
            f"({size_text(sum(entry.remote.size for entry in downloaded))})"
        )
        if self.load is None:
            loaded = "not loaded (--no-load)"
        else:
            loaded = (
                f"{len(self.with_status('loaded')):,} loaded "
                f"({self.load.rows_loaded:,} rows), "
                f"{len(self.with_status('duplicate')):,} duplicates, "
                f"{len(self.with_status('quarantined')):,} quarantined"
            )
        return (
            f"fetch from {self.transport}: {fetched}, {loaded}, "
            f"{len(unchanged):,} unchanged, {len(skipped):,} skipped, "
            f"{len(self.with_status('error')):,} errors in {self.elapsed:.1f} s"
        )

    def failure_message(self) -> str:
        failures = self.failures
        listing = "\n".join(f"  {e.recorded_path}: {e.label}" for e in failures)
        return (
            f"{len(failures)} file(s) not fetched or not loaded by this run:\n"
            f"{listing}\nFiles still being written and files that failed to download "
            "are tried again by the next run; a quarantined file needs a corrected "
            "delivery (same name)."
        )


def fetch(
    transport: Transport,
    source: Source,
    paths: Paths,
    settings: FetchSettings,
    *,
    load: bool = True,
) -> FetchReport:
    """Mirror the source's remote folders into <landing>/<source>/, then (unless
    `load` is false) load them, and record every entry's status."""
    started = time.monotonic()
    _remove_stale_parts(paths.landing_dir, source)
    fetched = _fetched_files(paths.restricted_db, transport.identity)
    session = _Session(transport, settings)
    try:
        entries = _list(session, source)
        now = _utc_now()
        to_download = []
        for entry in entries:
            _decide(entry, paths.landing_dir, source, fetched, settings, now)
            if entry.status is None and entry.unchanged_since is None:
                to_download.append(entry)
        _download_all(session, to_download)
    finally:
        transport.close()
    load_report = (
        load_landing(paths.landing_dir, paths.restricted_db, [source]) if load else None
    )
    outcomes = {o.relative_path: o for o in load_report.outcomes} if load_report else {}
    for entry in entries:
        if entry.status is None:
            _settle(entry, load_report is not None, outcomes.get(entry.local_relative))
    run_id = _record(paths.restricted_db, transport.identity, entries)
    return FetchReport(
        transport.identity,
        entries,
        load_report,
        time.monotonic() - started,
        run_id,
    )


# -- listing -----------------------------------------------------------------


class _Session:
    """The transport with bounded retries: a transient error closes the connection,
    waits (doubling each time, at most MAX_RETRY_DELAY), reconnects and tries
    again, at most `settings.retries` times. A refusal is never retried."""

    def __init__(self, transport: Transport, settings: FetchSettings) -> None:
        self.transport = transport
        self.settings = settings
        self.connected = False
        self.unreachable: str | None = None

    def run(self, action: Callable[[], T], what: str) -> T:
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            connecting = not self.connected
            try:
                if connecting:
                    self.transport.connect()
                    self.connected = True
                    connecting = False
                return action()
            except TransientError as error:
                self.connected = False
                self.transport.close()
                if attempt == attempts:
                    if connecting:
                        # Not even a connection: the files after this one would
                        # only wait for the same timeouts.
                        self.unreachable = str(error)
                    raise TransientError(
                        f"{error} (gave up after {attempts} attempt"
                        f"{'s' if attempts > 1 else ''})"
                    ) from None
                delay = min(
                    self.settings.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY
                )
                log.warning(
                    "%s: %s; retrying in %g s (attempt %d of %d)",
                    what,
                    error,
                    delay,
                    attempt + 1,
                    attempts,
                )
                time.sleep(delay)
        raise AssertionError("unreachable")


def _list(session: _Session, source: Source) -> list[Entry]:
    transport = session.transport
    entries: list[Entry] = []
    missing = []
    for folder in source.remote_folders:
        try:
            listed = session.run(
                lambda folder=folder: transport.list(folder.name),
                f"listing {folder.name}/",
            )
        except RefusedError as error:
            raise FetchError(str(error)) from None
        except TransientError as error:
            if session.unreachable:
                raise FetchError(f"{transport.identity}: {error}") from None
            raise FetchError(
                f"cannot list {join(transport.root, folder.name)} on "
                f"{transport.identity}: {error}"
            ) from None
        except FileNotFoundError:
            missing.append(join(transport.root, folder.name))
            continue
        except PermissionError:
            raise FetchError(
                f"{transport.identity} does not let us list "
                f"{join(transport.root, folder.name)}"
            ) from None
        entries += _entries(transport.root, folder, listed)
    if missing:
        log.warning("no such folder on %s: %s", transport.identity, ", ".join(missing))
    if len(missing) == len(source.remote_folders):
        raise FetchError(
            f"none of the report folders ({', '.join(missing)}) exist on "
            f"{transport.identity}: check the remote root (HE_SFTP_ROOT)"
        )
    return entries


def _entries(
    root: str, folder: RemoteFolder, listed: Iterable[RemoteFile]
) -> list[Entry]:
    """One Entry per listed name; a name the server lists twice is skipped."""
    by_name: dict[str, list[RemoteFile]] = {}
    for remote in listed:
        by_name.setdefault(remote.name, []).append(remote)
    entries = []
    for name, same_name in sorted(by_name.items()):
        entry = Entry(
            remote=same_name[0],
            folder=folder,
            recorded_path=join(root, folder.name, printable(name)),
        )
        if len(same_name) > 1:
            entry.finish("skipped", "the server listed this name more than once")
        entries.append(entry)
    return entries


# -- deciding what to download --------------------------------------------------


def _is_transient_name(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp", "~"))


_NOT_A_FILE = {
    "symlink": "a symbolic link: links are never followed",
    "directory": "a folder: the report folders are flat",
    "other": "not a regular file",
}


def _decide(
    entry: Entry,
    landing_dir: Path,
    source: Source,
    fetched: dict[str, _Fetched],
    settings: FetchSettings,
    now: datetime,
) -> None:
    """Settle the entry's status now if it will not be downloaded; otherwise give
    it its local path. Unchanged files get their status after the load."""
    if entry.status is not None:
        return
    remote = entry.remote
    problem = unsafe_name(remote.name)
    if problem:
        entry.finish("skipped", f"unsafe name ({problem}): never used as a local path")
        return
    if remote.kind != "file":
        entry.finish("skipped", _NOT_A_FILE[remote.kind])
        return
    if _is_transient_name(remote.name):
        entry.finish("skipped", "a hidden, partial or temporary file")
        return
    if not entry.folder.file_name.fullmatch(remote.name):
        entry.finish(
            "skipped", f"not a {source.name} {entry.folder.name} report file name"
        )
        return
    folder_dir = landing_dir / source.name / entry.folder.name
    entry.local_path = folder_dir / remote.name
    # Belt and braces: the validated name cannot leave its folder.
    assert entry.local_path.parent == folder_dir, entry.local_path
    entry.local_relative = entry.local_path.relative_to(landing_dir).as_posix()
    if remote.size == 0:
        entry.finish(
            "skipped", "empty (0 bytes): fetched once it has content", fetch_later=True
        )
        return
    earlier = fetched.get(entry.recorded_path)
    if (
        earlier
        and (earlier.size, earlier.mtime) == (remote.size, remote.mtime)
        and (entry.local_path.exists() or earlier.in_manifest)
    ):
        entry.unchanged_since = earlier.fetched_at
        entry.sha256 = earlier.sha256
        return
    age = (now - remote.mtime).total_seconds()
    if age < settings.settle_seconds:
        when = f"{age:.0f} s ago" if age >= 0 else "in the future (server clock ahead)"
        entry.finish(
            "skipped",
            f"modified {when}, within the settle time of "
            f"{settings.settle_seconds:g} s: may still be being written; fetched by "
            "a later run",
            fetch_later=True,
        )


# -- downloading -----------------------------------------------------------------


class _Changed(Exception):
    """The remote file changed while we looked at it: try again in a later run."""


def _download_all(session: _Session, entries: list[Entry]) -> None:
    progress = Progress(
        "fetch", len(entries), sum(entry.remote.size for entry in entries)
    )
    for entry in entries:
        if session.unreachable:
            entry.finish(
                "error",
                f"not attempted: the server is unreachable ({session.unreachable})",
            )
        else:
            _download(session, entry)
        progress.advance(entry.remote.size, entry.remote.name)
    progress.close()


def _download(session: _Session, entry: Entry) -> None:
    try:
        entry.sha256 = session.run(
            lambda: _download_once(session.transport, entry),
            f"downloading {entry.recorded_path}",
        )
    except _Changed as changed:
        entry.finish("skipped", f"{changed}; fetched by a later run", fetch_later=True)
    except FileNotFoundError:
        entry.finish("skipped", "gone from the server before it was downloaded")
    except PermissionError:
        entry.finish("error", "the server does not let us read it")
    except RefusedError as error:
        entry.finish("error", str(error))
    except TransientError as error:
        entry.finish("error", str(error))
    else:
        entry.downloaded = True
        log.debug("fetched %s (%s)", entry.recorded_path, size_text(entry.remote.size))


def _download_once(transport: Transport, entry: Entry) -> str:
    """Download to <name>.part while hashing, check the remote file did not change,
    fsync, rename into place; return the SHA-256. Leaves no .part behind."""
    assert entry.local_path is not None
    listed = entry.remote
    before = transport.lstat(listed.path)
    if before.version != listed.version:
        raise _Changed(f"changed since it was listed ({_change(listed, before)})")
    part = entry.local_path.with_name(entry.local_path.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    part.unlink(missing_ok=True)
    digest = hashlib.sha256()
    received = 0
    try:
        descriptor = os.open(
            part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
        )
        with (
            os.fdopen(descriptor, "wb") as local,
            transport.open(listed.path, before.size) as remote,
        ):
            for chunk in iter_chunks(remote, CHUNK_BYTES):
                digest.update(chunk)
                local.write(chunk)
                received += len(chunk)
            local.flush()
            os.fsync(local.fileno())
        after = transport.lstat(listed.path)
        if after.version != before.version:
            raise _Changed(f"changed while downloading ({_change(before, after)})")
        if received != before.size:
            raise _Changed(
                f"received {received:,} bytes but the server says {before.size:,}"
            )
        mtime_ns = _epoch_ns(before.mtime)
        os.utime(part, ns=(mtime_ns, mtime_ns))
        os.replace(part, entry.local_path)
        _fsync_dir(entry.local_path.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _change(before: RemoteFile, after: RemoteFile) -> str:
    parts = []
    if before.kind != after.kind:
        parts.append(f"now a {after.kind}")
    if before.size != after.size:
        parts.append(f"size {before.size:,} -> {after.size:,} bytes")
    if before.mtime != after.mtime:
        parts.append(f"modified {before.mtime:%H:%M:%S} -> {after.mtime:%H:%M:%S}")
    return ", ".join(parts)


def _remove_stale_parts(landing_dir: Path, source: Source) -> None:
    """A run that was killed mid-download leaves its .part file; remove it."""
    for folder in source.remote_folders:
        for part in (landing_dir / source.name / folder.name).glob("*.part"):
            if folder.file_name.fullmatch(part.name.removesuffix(".part")):
                log.warning("removing %s, left by an interrupted download", part)
                part.unlink()


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- after the load ----------------------------------------------------------------


def _settle(entry: Entry, loaded: bool, outcome: FileOutcome | None) -> None:
    """The status of a downloaded or unchanged file, from what the loader did."""
    if not loaded:
        if entry.downloaded:
            entry.finish("skipped", "fetched, not loaded (--no-load): `load` loads it")
        else:
            entry.finish("skipped", _unchanged(entry))
    elif outcome is not None and outcome.new:
        _from_outcome(entry, outcome)
    elif outcome is not None and outcome.status == "quarantined":
        entry.finish("quarantined", outcome.reason)
    elif entry.downloaded:
        # The loader had these bytes under this path already: the remote file
        # was touched or re-uploaded without changing its content.
        entry.finish("duplicate", "same bytes as the version already loaded")
    else:
        entry.finish("skipped", _unchanged(entry))


def _from_outcome(entry: Entry, outcome: FileOutcome) -> None:
    if outcome.status == "loaded":
        reason = (
            f"{outcome.rows_rejected:,} of {outcome.rows_in:,} rows rejected "
            "(see loader.rejects)"
            if outcome.rows_rejected
            else None
        )
        entry.finish("loaded", reason)
    elif outcome.status in ("duplicate", "quarantined"):
        entry.finish(outcome.status, outcome.reason)
    else:
        entry.finish("error", f"the loader {outcome.status} it: {outcome.reason}")


def _unchanged(entry: Entry) -> str:
    since = entry.unchanged_since
    return f"unchanged since fetched{f' {since:%Y-%m-%d %H:%M} UTC' if since else ''}"


# -- state in restricted.duckdb ------------------------------------------------------


@dataclass(frozen=True)
class _Fetched:
    size: int
    mtime: datetime
    sha256: str
    fetched_at: datetime
    in_manifest: bool


def _fetched_files(restricted_db: Path, transport: str) -> dict[str, _Fetched]:
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
    return {row[0]: _Fetched(*row[1:]) for row in rows}


def _record(restricted_db: Path, transport: str, entries: list[Entry]) -> int:
    """One fetch_log row per entry, and the fetch state of every file we hold, in
    one transaction."""
    now = _utc_now()
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
        conn.execute(
            """
            insert into loader.fetch_files
            select
                transport,
                remote_path,
                local_path,
                remote_size,
                remote_mtime,
                file_sha256,
                recorded_at,
                run_id,
                status,
                reason
            from loader.fetch_log
            where run_id = ? and downloaded
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
            [run_id],
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
    conn: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], batch: int = 500
) -> None:
    """Insert rows with one statement per batch (a statement per row is slow)."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        marks = "(" + ", ".join("?" * len(chunk[0])) + ")"
        conn.execute(
            f"insert into {table} values {', '.join([marks] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _epoch_ns(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
