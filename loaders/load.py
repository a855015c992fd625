"""The load step: landed files into restricted.duckdb's raw tables, each content once.

For every file below <landing>/<source>/ that is new or changed (see
loaders/manifest.py for how that is decided and for the statuses), the loader reads
it (loaders/readers/: the new files of one table together), decides which records
load (loaders/readers/rules.py) and writes, in one transaction per batch of files:
the loaded rows into raw_<source>.<table> with their file and line, every other
record into loader.rejects with its line and the reason, rows that load but deserve
a look into loader.flags, and each file's manifest row. A crash leaves either all of
them or none.

Every record of a file ends in exactly one place: loaded, or rejected with a reason
(a value that does not parse, a repeat of another record, a line that is not a
record). Later, a newer version of the file or a later delivery of the same key
supersedes loaded records (see models/audit).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from loaders import readers, rejects, restricted
from loaders.manifest import (
    FileOutcome,
    Fingerprint,
    LandedFile,
    LoadReport,
    Manifest,
    ManifestRecord,
    fingerprint,
    utc_now,
)
from loaders.progress import Progress
from loaders.readers import rules
from loaders.restricted import RECORD_COLUMN
from loaders.settings import memory_limit, recheck_days
from loaders.sources import all_tables
from loaders.specs import DeliveredFile, Source

log = logging.getLogger(__name__)

# Files are committed in batches of about this many bytes.
BATCH_BYTES = 256 * 2**20

__all__ = ["FileOutcome", "LoadError", "LoadReport", "load_landing"]


class LoadError(Exception):
    """The load cannot go on (not a problem of one file); the message says why."""


Found = DeliveredFile | Path


def load_landing(
    landing_dir: Path, restricted_db: Path, sources: Iterable[Source]
) -> LoadReport:
    """Load every new file of the given sources; return what happened to each."""
    candidates = [
        (source, found) for source in sources for found in source.discover(landing_dir)
    ]
    recheck = _RecheckWindow(candidates, recheck_days())
    report = LoadReport()
    progress = Progress(
        "load",
        len(candidates),
        sum(_path_of(found).stat().st_size for _, found in candidates),
    )
    with restricted.connect(restricted_db, all_tables()) as conn:
        readers.prepare(conn)
        manifest = Manifest(conn).snapshot()
        batch: list[tuple[Source, Found]] = []
        batch_bytes = 0
        for number, (source, found) in enumerate(candidates, start=1):
            size = _path_of(found).stat().st_size
            batch.append((source, found))
            batch_bytes += _batch_weight(found, size)
            if batch_bytes >= BATCH_BYTES or number == len(candidates):
                for outcome in _load_batch(conn, manifest, landing_dir, batch, recheck):
                    report.outcomes.append(outcome)
                    _log_outcome(outcome)
                batch, batch_bytes = [], 0
            progress.advance(size, _path_of(found).name)
        conn.execute("checkpoint")
    progress.close()
    return report


class _RecheckWindow:
    """Which files are hashed again even when the file system says they are as they
    were: reports whose report date is within `days` of the newest report date in
    their folder, and undated files modified within `days` of now."""

    def __init__(self, candidates: list[tuple[Source, Found]], days: int) -> None:
        self.days = days
        self.newest = {}
        for _, found in candidates:
            if isinstance(found, DeliveredFile) and found.report_date:
                folder = found.path.parent
                self.newest[folder] = max(
                    self.newest.get(folder, found.report_date), found.report_date
                )
        self.now = utc_now()

    def __contains__(self, landed: tuple[Found, LandedFile]) -> bool:
        found, file = landed
        if isinstance(found, DeliveredFile) and found.report_date:
            newest = self.newest[found.path.parent]
            return (newest - found.report_date).days < self.days
        return self.now - file.mtime < timedelta(days=self.days)


def _batch_weight(found: Found, size: int) -> int:
    """What a file counts for in its batch. JSON pages are parsed into a temp table
    a few times the file's size, which DuckDB frees when the batch commits."""
    if isinstance(found, DeliveredFile) and found.reader == "json_pages":
        return 4 * size
    return size


def _load_batch(
    conn: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    landing_dir: Path,
    batch: list[tuple[Source, Found]],
    recheck: _RecheckWindow,
) -> list[FileOutcome]:
    """Load files in one transaction (a commit costs about as much as reading a
    file): each file's rows, rejects and manifest row are in it together. The files
    of one table that read alike are read as one group. If a file breaks DuckDB's
    reader, everything is rolled back and the files are loaded again one
    transaction each, so only that file is quarantined."""
    conn.begin()
    try:
        decided = [
            _decide(conn, manifest, landing_dir, source, found, recheck)
            for source, found in batch
        ]
        pending = [item for item in decided if isinstance(item, _Pending)]
        loaded, loaded_since = _load_groups(conn, pending)
        outcomes = [
            loaded[item.record.file_path] if isinstance(item, _Pending) else item
            for item in decided
        ]
        outcomes = _reject_repeats_across_files(conn, pending, outcomes, loaded_since)
    except _Unreadable as unreadable:
        conn.rollback()
        if len(batch) > 1:
            return [
                outcome
                for item in batch
                for outcome in _load_batch(conn, manifest, landing_dir, [item], recheck)
            ]
        assert unreadable.record is not None
        conn.begin()
        outcomes = [
            unreadable.record.write(conn, "quarantined", reason=unreadable.reason)
        ]
    conn.commit()
    return outcomes


@dataclass(frozen=True)
class _Pending:
    """A file whose records are to be read; its manifest row is written after."""

    found: DeliveredFile
    record: ManifestRecord
    fingerprint: Fingerprint


class _Unreadable(Exception):
    """DuckDB's reader failed on a file in a way its rejects could not absorb (in a
    group of several files: on one of them, found by loading them one by one)."""

    def __init__(
        self, record: ManifestRecord | None, error: duckdb.Error, reader: str
    ) -> None:
        super().__init__(str(error))
        self.record = record
        kind = "JSON pages" if reader == "json_pages" else "CSV"
        self.reason = f"unreadable as {kind}: {str(error).splitlines()[0]}"


def _path_of(found: Found) -> Path:
    return found.path if isinstance(found, DeliveredFile) else found


def _decide(
    conn: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    landing_dir: Path,
    source: Source,
    found: Found,
    recheck: _RecheckWindow,
) -> FileOutcome | _Pending:
    """What becomes of a landed file short of reading its records: unchanged,
    ignored, quarantined, a duplicate, or to be read."""
    path = _path_of(found)
    relative = (
        found.relative_path
        if isinstance(found, DeliveredFile)
        else path.relative_to(landing_dir).as_posix()
    )
    landed = LandedFile.at(path, relative)
    newest = manifest.newest(relative)
    if (
        newest
        and manifest.unchanged_since_seen(landed)
        and (found, landed) not in recheck
    ):
        return FileOutcome(relative, newest.status, reason=newest.reason, new=False)
    fingerprinted = fingerprint(path)
    manifest.remember(landed, fingerprinted.sha256)
    if newest and newest.file_sha256 == fingerprinted.sha256:
        return FileOutcome(relative, newest.status, reason=newest.reason, new=False)

    table_name = found.table.name if isinstance(found, DeliveredFile) else ""
    record = ManifestRecord(
        source=source.name,
        table_name=table_name or None,
        file_path=relative,
        file_size=landed.size,
        file_mtime=landed.mtime,
        file_sha256=fingerprinted.sha256,
        encoding=fingerprinted.encoding,
    )
    if not isinstance(found, DeliveredFile):
        return record.write(
            conn, "ignored", reason=f"not a known {source.name} report file name"
        )
    if found.problem:
        return record.write(
            conn, found.problem_status, reason=found.problem, quiet=found.quiet
        )
    if found.reader == "csv":
        problem = header_problem(path, found.header, fingerprinted.encoding)
        if problem:
            return record.write(conn, "quarantined", reason=problem)
    elif not has_data_lines(path, header=False):
        # A headerless export or a JSON file may hold no rows at all.
        restricted.ensure_raw_table(conn, found.table)
        return record.write(
            conn, "loaded", rows=(0, 0, 0), columns_from=found.columns_from
        )

    # The same rows already count when the same bytes are the current version of
    # another path. Header-only files (a day nobody of a user type did anything)
    # are alike on every day but carry no rows, so they are never duplicates; nor
    # is an unchanged entity in a new full snapshot.
    earlier = (
        not found.table.full_snapshots
        and has_data_lines(path, header=found.reader == "csv")
        and manifest.current_path_with(fingerprinted.sha256, other_than=relative)
    )
    if earlier:
        return record.write(
            conn,
            "duplicate",
            reason=f"same content as {earlier}, already loaded",
            duplicate_of=earlier,
        )
    if manifest.loaded_before(relative, fingerprinted.sha256):
        # An earlier content of this path is current again (A -> B -> A): its rows
        # load again as the newest version, replacing those of its first load.
        conn.execute(
            f"delete from {found.table.qualified_name} "
            "where _source_file = ? and _file_sha256 = ?",
            [relative, fingerprinted.sha256],
        )
    return _Pending(found, record, fingerprinted)


def _load_groups(
    conn: duckdb.DuckDBPyConnection, pending: list[_Pending]
) -> tuple[dict[str, FileOutcome], datetime]:
    """Read the pending files, one group per table and way of reading; return each
    file's outcome, its manifest row written, and the earliest load time any of
    their rows got."""
    groups: dict[tuple[object, ...], list[_Pending]] = {}
    for item in pending:
        found = item.found
        key = (
            found.table.qualified_name,
            found.reader,
            found.header,
            item.fingerprint.encoding,
            tuple(_constants(found)),
        )
        groups.setdefault(key, []).append(item)
    outcomes: dict[str, FileOutcome] = {}
    loaded_since = utc_now()
    for items in groups.values():
        now = utc_now()
        loaded_since = min(loaded_since, now)
        outcomes.update(_load_group(conn, items, now))
    return outcomes, loaded_since


def _constants(found: DeliveredFile) -> dict[str, str]:
    """The file's metadata values (e.g. `_user_type`), the same for every row."""
    return {
        name: value
        for name, value in found.metadata.items()
        if name in found.table.metadata_columns and name != RECORD_COLUMN
    }


def _load_group(
    conn: duckdb.DuckDBPyConnection, items: list[_Pending], now: datetime
) -> dict[str, FileOutcome]:
    found = items[0].found
    manifest = Manifest(conn)
    group = readers.Group(
        table=found.table,
        reader=found.reader,
        header=found.header,
        encoding=items[0].fingerprint.encoding,
        files=tuple(
            readers.GroupFile(
                path=item.found.path,
                file_path=item.record.file_path,
                file_sha256=item.record.file_sha256,
                file_id=manifest.next_file_id(),
                constants=_constants(item.found),
                loaded_at=now + timedelta(microseconds=number),
                lines=item.fingerprint.lines,
            )
            for number, item in enumerate(items)
        ),
    )
    try:
        restricted.ensure_raw_table(conn, found.table)
        read = readers.read(conn, group)
        rules.within_file(conn, group)
        decided, structural = rejects.move_decided(conn, group)
        flagged = rejects.insert_flags(conn, group)
    except duckdb.OutOfMemoryException as error:
        # Not the files' fault: stop the run (the batch rolls back), never quarantine.
        raise LoadError(
            f"DuckDB ran out of memory loading {_names(items)} ({error}). Nothing of "
            f"this batch was kept; raise HE_MEMORY_LIMIT (now {memory_limit()}) and "
            "run again."
        ) from error
    except duckdb.Error as error:
        record = items[0].record if len(items) == 1 else None
        raise _Unreadable(record, error, found.reader) from error
    outcomes = {}
    for item, file in zip(items, group.files, strict=True):
        name = item.record.file_path
        rows_loaded = read.rows_read[name] - decided.get(name, 0)
        rows_rejected = decided.get(name, 0) + structural.get(name, 0)
        outcomes[name] = item.record.write(
            conn,
            "loaded",
            file_id=file.file_id,
            rows=(rows_loaded + rows_rejected, rows_loaded, rows_rejected),
            rows_padded=read.rows_padded[name],
            rows_flagged=flagged.get(name, 0),
            columns_from=item.found.columns_from,
            reason=(
                None
                if item.fingerprint.is_utf8
                else "not UTF-8 text: read as Latin-1 (ISO-8859-1); export as UTF-8"
            ),
        )
    return outcomes


def _names(items: list[_Pending]) -> str:
    first = items[0].record.file_path
    return first if len(items) == 1 else f"{first} (and {len(items) - 1} more files)"


def _reject_repeats_across_files(
    conn: duckdb.DuckDBPyConnection,
    pending: list[_Pending],
    outcomes: list[FileOutcome],
    loaded_since: datetime,
) -> list[FileOutcome]:
    """In tables whose deliveries add records, reject the records of this batch's
    files that another file delivered first (loaders/readers/rules.py), and bring
    the files' manifest rows and outcomes up to date."""
    by_path = {outcome.relative_path: outcome for outcome in outcomes}
    new: dict[str, tuple[DeliveredFile, list[rules.NewVersion]]] = {}
    for item in pending:
        outcome = by_path[item.record.file_path]
        if item.found.table.deliveries != "add" or not outcome.rows_loaded:
            continue
        assert outcome.file_id is not None
        _, versions = new.setdefault(item.found.table.qualified_name, (item.found, []))
        versions.append(
            rules.NewVersion(
                outcome.file_id, item.record.file_path, item.record.file_sha256
            )
        )
    rejected: dict[int, int] = {}
    for found, versions in new.values():
        rules.across_files(conn, found.table, found.header, versions, loaded_since)
        rejected.update(rejects.move_crossed(conn, found))
    if not rejected:
        return outcomes
    updated = []
    for outcome in outcomes:
        count = rejected.get(outcome.file_id or -1, 0)
        if count:
            conn.execute(
                "update loader.manifest set rows_loaded = rows_loaded - ?, "
                "rows_rejected = rows_rejected + ?, is_finding = true "
                "where file_id = ?",
                [count, count, outcome.file_id],
            )
            outcome = replace(
                outcome,
                rows_loaded=outcome.rows_loaded - count,
                rows_rejected=outcome.rows_rejected + count,
            )
        updated.append(outcome)
    return updated


def header_problem(
    path: Path, expected: tuple[str, ...], encoding: str = "utf-8"
) -> str | None:
    """Why the file's header is not the expected one, or None when it is."""
    with path.open("rb") as raw:
        first = raw.readline(1 << 20)
    if not first.strip():
        return "empty file: no header line"
    text = first.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    found = tuple(next(csv.reader(io.StringIO(text))))
    if found == expected:
        return None
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected)}")
        return f"header does not match the report ({'; '.join(parts)})"
    return (
        f"header columns out of order: expected {','.join(expected)}; "
        f"found {','.join(found)}"
    )


def has_data_lines(path: Path, *, header: bool = True) -> bool:
    """Whether the file has a non-blank line after its header (if it has one)."""
    with path.open("rb") as raw:
        if header:
            raw.readline(1 << 20)
        return any(line.strip() for line in raw)


def _log_outcome(outcome: FileOutcome) -> None:
    if not outcome.new or outcome.quiet:
        log.debug("%s %s: %s", outcome.status, outcome.relative_path, outcome.reason)
    elif outcome.status == "loaded" and not outcome.is_finding:
        log.debug(
            "loaded %s: %s rows", outcome.relative_path, f"{outcome.rows_loaded:,}"
        )
    elif outcome.status == "loaded":
        log.warning(
            "loaded %s: %s rows, %s rejected, %s flagged%s",
            outcome.relative_path,
            f"{outcome.rows_loaded:,}",
            f"{outcome.rows_rejected:,}",
            f"{outcome.rows_flagged:,}",
            f" ({outcome.reason})" if outcome.reason else "",
        )
    elif outcome.status == "quarantined":
        log.error("quarantined %s: %s", outcome.relative_path, outcome.reason)
    else:
        log.warning("%s %s: %s", outcome.status, outcome.relative_path, outcome.reason)
