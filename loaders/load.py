"""Load landed files into restricted.duckdb's raw tables, exactly once per content.

For every file below <landing>/<source>/ the loader records one manifest row per
(path, content) it has not seen before:

    loaded       rows went to raw_<source>.<table>; rows that did not parse went to
                 loader.rejects with their line and the reason
    duplicate    the same bytes were already loaded under another name: nothing added
    quarantined  the file cannot be read as its report (wrong header, empty,
                 unreadable): nothing added, the reason recorded, the run exits
                 non-zero
    ignored      no known report has this name

A file's rows, its rejects and its manifest row commit in one transaction, so a crash
leaves either all of them or none. Rows are read by DuckDB's CSV reader, never by a
Python loop. A changed file under the same name is a new version: staging keeps only
the newest loaded version of each path (see models/staging/loader).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from loaders import restricted
from loaders.progress import Progress
from loaders.restricted import quote_ident
from loaders.sources import all_tables
from loaders.specs import DeliveredFile, RawTable, Source

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)

# Files are committed in batches of about this many bytes.
BATCH_BYTES = 256 * 2**20


@dataclass(frozen=True)
class FileOutcome:
    relative_path: str
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    new: bool = True


@dataclass
class LoadReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def by_status(self, status: str, *, new_only: bool = False) -> list[FileOutcome]:
        return [
            o for o in self.outcomes if o.status == status and (o.new or not new_only)
        ]

    @property
    def quarantined(self) -> list[FileOutcome]:
        return self.by_status("quarantined")

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes if o.new)

    @property
    def rows_rejected(self) -> int:
        return sum(o.rows_rejected for o in self.outcomes if o.new)

    def summary(self) -> str:
        return (
            f"{len(self.by_status('loaded', new_only=True)):,} files loaded "
            f"({self.rows_loaded:,} rows, {self.rows_rejected:,} rejected), "
            f"{len(self.by_status('duplicate', new_only=True)):,} duplicates, "
            f"{len(self.quarantined):,} quarantined, "
            f"{len(self.by_status('ignored', new_only=True)):,} ignored, "
            f"{sum(1 for o in self.outcomes if not o.new):,} unchanged"
        )


def load_landing(
    landing_dir: Path, restricted_db: Path, sources: Iterable[Source]
) -> LoadReport:
    """Load every new file of the given sources; return what happened to each."""
    candidates = [
        (source, found) for source in sources for found in source.discover(landing_dir)
    ]
    report = LoadReport()
    progress = Progress(
        "load",
        len(candidates),
        sum(_path_of(found).stat().st_size for _, found in candidates),
    )
    with restricted.connect(restricted_db, all_tables()) as conn:
        batch: list[tuple[Source, DeliveredFile | Path]] = []
        batch_bytes = 0
        for number, (source, found) in enumerate(candidates, start=1):
            size = _path_of(found).stat().st_size
            batch.append((source, found))
            batch_bytes += size
            if batch_bytes >= BATCH_BYTES or number == len(candidates):
                for outcome in _load_batch(conn, landing_dir, batch):
                    report.outcomes.append(outcome)
                    _log_outcome(outcome)
                batch, batch_bytes = [], 0
            progress.advance(size, _path_of(found).name)
        conn.execute("checkpoint")
    progress.close()
    return report


def _load_batch(
    conn: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    batch: list[tuple[Source, DeliveredFile | Path]],
) -> list[FileOutcome]:
    """Load files in one transaction (a commit costs about as much as reading a
    file). Each file's rows, rejects and manifest row are in it together. If one
    file breaks DuckDB's reader, everything is rolled back and the files are loaded
    again one transaction each, so only that file is quarantined."""
    conn.begin()
    try:
        outcomes = [
            _load_one(conn, landing_dir, source, found) for source, found in batch
        ]
    except _Unreadable as unreadable:
        conn.rollback()
        if len(batch) > 1:
            return [o for item in batch for o in _load_batch(conn, landing_dir, [item])]
        conn.begin()
        outcomes = [
            unreadable.record.write(conn, "quarantined", reason=unreadable.reason)
        ]
    conn.commit()
    return outcomes


class _Unreadable(Exception):
    """DuckDB's CSV reader failed on a file in a way its rejects could not absorb."""

    def __init__(self, record: _ManifestRecord, error: duckdb.Error) -> None:
        super().__init__(str(error))
        self.record = record
        self.reason = f"unreadable as CSV: {str(error).splitlines()[0]}"


def _path_of(found: DeliveredFile | Path) -> Path:
    return found.path if isinstance(found, DeliveredFile) else found


def _load_one(
    conn: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: Source,
    found: DeliveredFile | Path,
) -> FileOutcome:
    path = _path_of(found)
    relative = path.relative_to(landing_dir).as_posix()
    stat = path.stat()
    mtime = _EPOCH + timedelta(microseconds=stat.st_mtime_ns // 1000)

    seen = conn.execute(
        "select status, reason from loader.manifest "
        "where file_path = ? and file_size = ? and file_mtime = ? "
        "order by file_id desc limit 1",
        [relative, stat.st_size, mtime],
    ).fetchone()
    if seen:
        return FileOutcome(relative, seen[0], reason=seen[1], new=False)

    sha256 = file_sha256(path)
    seen = conn.execute(
        "select status, reason from loader.manifest "
        "where file_path = ? and file_sha256 = ? order by file_id desc limit 1",
        [relative, sha256],
    ).fetchone()
    if seen:
        return FileOutcome(relative, seen[0], reason=seen[1], new=False)

    record = _ManifestRecord(
        source=source.name,
        table_name=found.table.name if isinstance(found, DeliveredFile) else None,
        file_path=relative,
        file_size=stat.st_size,
        file_mtime=mtime,
        file_sha256=sha256,
    )
    if not isinstance(found, DeliveredFile):
        return record.write(
            conn, "ignored", reason=f"not a known {source.name} report file name"
        )

    problem = header_problem(path, found.header)
    if problem:
        return record.write(conn, "quarantined", reason=problem)

    # The same rows already count when the same bytes are the current version of
    # another path. Header-only files (a day nobody of a user type did anything)
    # are alike on every day but carry no rows, so they are never duplicates.
    earlier = (
        has_data_lines(path)
        and conn.execute(
            """
        select loaded.file_path
        from loader.manifest as loaded
        where loaded.file_sha256 = ? and loaded.status = 'loaded'
            and loaded.file_id = (
                select max(newest.file_id) from loader.manifest as newest
                where newest.file_path = loaded.file_path
                    and newest.status = 'loaded'
            )
        order by loaded.file_id
        limit 1
        """,
            [sha256],
        ).fetchone()
    )
    if earlier:
        return record.write(
            conn,
            "duplicate",
            reason=f"same content as {earlier[0]}, already loaded",
            duplicate_of=earlier[0],
        )

    try:
        return _insert_rows(conn, found, record)
    except duckdb.Error as error:
        raise _Unreadable(record, error) from error


@dataclass(frozen=True)
class _ManifestRecord:
    source: str
    table_name: str | None
    file_path: str
    file_size: int
    file_mtime: datetime
    file_sha256: str

    def write(
        self,
        conn: duckdb.DuckDBPyConnection,
        status: str,
        *,
        file_id: int | None = None,
        reason: str | None = None,
        duplicate_of: str | None = None,
        rows: tuple[int, int, int] | None = None,
    ) -> FileOutcome:
        if file_id is None:
            file_id = next_file_id(conn)
        rows_in, rows_loaded, rows_rejected = rows or (None, None, None)
        conn.execute(
            "insert into loader.manifest values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                file_id,
                self.source,
                self.table_name,
                self.file_path,
                self.file_size,
                self.file_mtime,
                self.file_sha256,
                status,
                reason,
                duplicate_of,
                rows_in,
                rows_loaded,
                rows_rejected,
                _now(),
            ],
        )
        return FileOutcome(
            self.file_path,
            status,
            rows_in or 0,
            rows_loaded or 0,
            rows_rejected or 0,
            reason,
        )


def next_file_id(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("select nextval('loader.file_id_seq')").fetchone()[0]


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, record: _ManifestRecord
) -> FileOutcome:
    """Read the file with DuckDB's CSV reader and split its rows between the raw
    table and the rejects; must run inside a transaction."""
    table = found.table
    conn.execute("drop table if exists temp.he_reject_errors")
    conn.execute("drop table if exists temp.he_reject_scans")
    # First pass: count the records and collect the ones that do not fit the CSV
    # shape. Second pass (a view, read by the inserts): the same records, numbered.
    rows_read = conn.execute(
        f"select count(*) from {_read_csv_sql(found, store_rejects=True)}"
    ).fetchone()[0]
    conn.execute(
        f"create or replace temp view he_incoming as "
        f"select * from {_read_csv_sql(found, store_rejects=False)} with ordinality"
    )
    conn.execute(
        f"create or replace temp view he_checked as {_checked_sql(table, found.header)}"
    )
    file_id = next_file_id(conn)
    loaded_at = _now()

    targets = [
        *found.header,
        *found.metadata,
        *(n for n, _ in restricted.LINEAGE_COLUMNS),
    ]
    values = [
        *(quote_ident(name) for name in found.header),
        *("?" for _ in found.metadata),
        "?",
        "he_line",
        "?",
        "?",
    ]
    structural = conn.execute(
        "select count(distinct line) from temp.he_reject_errors"
    ).fetchone()[0]
    rows_loaded = conn.execute(
        f"insert into {table.qualified_name} "
        f"({', '.join(quote_ident(t) for t in targets)}) "
        f"select {', '.join(values)} from he_checked where he_reason is null",
        [*found.metadata.values(), record.file_path, record.file_sha256, loaded_at],
    ).fetchone()[0]

    if rows_loaded == rows_read and structural == 0:
        return record.write(
            conn, "loaded", file_id=file_id, rows=(rows_loaded, rows_loaded, 0)
        )

    record_sql = " || ',' || ".join(
        f"coalesce({quote_ident(name)}, '')" for name in found.header
    )
    conn.execute(
        f"""
        insert into loader.rejects
        select ?, ?, he_line, he_reason, {record_sql}
        from he_checked
        where he_reason is not null
        union all
        select ?, ?, line, arg_min(error_type || ': ' || error_message, column_idx),
            any_value(csv_line)
        from temp.he_reject_errors
        group by line
        """,
        [file_id, record.file_path, file_id, record.file_path],
    )
    rows_rejected = conn.execute(
        "select count(*) from loader.rejects where file_id = ?", [file_id]
    ).fetchone()[0]
    rows_in = rows_loaded + rows_rejected
    return record.write(
        conn,
        "loaded",
        file_id=file_id,
        rows=(rows_in, rows_loaded, rows_rejected),
    )


def _read_csv_sql(found: DeliveredFile, *, store_rejects: bool) -> str:
    """DuckDB's reader with nothing left to guess: our column names, all text. Rows
    that do not fit are skipped, and recorded in temp.he_reject_errors with their
    line number when `store_rejects`."""
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in found.header)
    rejects = (
        "store_rejects = true, rejects_table = 'he_reject_errors', "
        "rejects_scan = 'he_reject_scans'"
        if store_rejects
        else "ignore_errors = true"
    )
    return (
        f"read_csv({_literal(str(found.path))}, header = true, auto_detect = false, "
        f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, {rejects})"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _checked_sql(table: RawTable, header: tuple[str, ...]) -> str:
    """Each incoming row with its line number and, if it breaks a rule, the reason.

    DuckDB numbers only the rows it kept; a kept row's line is its ordinal plus the
    header line plus the rejected lines before it.
    """
    return f"""
        with structural_rejects as (
            select
                line,
                row_number() over (order by line) as rejected_so_far
            from temp.he_reject_errors
            group by line
        ),

        gaps as (
            select
                line - 1 - rejected_so_far as kept_rows_before,
                max(rejected_so_far) as rejected_so_far
            from structural_rejects
            group by line - 1 - rejected_so_far
        )

        select
            he_incoming.*,
            he_incoming.ordinality + 1 + coalesce(gaps.rejected_so_far, 0) as he_line,
            {_reason_sql(table, header)} as he_reason
        from he_incoming
        asof left join gaps
            on he_incoming.ordinality > gaps.kept_rows_before
    """


def _reason_sql(table: RawTable, header: tuple[str, ...]) -> str:
    parts = []
    for name in header:
        column = table.column(name)
        value = "he_incoming." + quote_ident(name)
        label = name.replace("'", "''")
        if column.required:
            parts.append(f"case when {value} is null then '{label} is empty' end")
        if column.check:
            parts.append(
                f"case when {value} is not null and not ({column.check.sql(value)}) "
                f"then '{label} ''' || {value} || ''' is not "
                f"{column.check.expectation.replace(chr(39), chr(39) * 2)}' end"
            )
    if not parts:
        return "cast(null as varchar)"
    return f"nullif(concat_ws('; ', {', '.join(parts)}), '')"


def header_problem(path: Path, expected: tuple[str, ...]) -> str | None:
    """Why the file's header is not the expected one, or None when it is."""
    with path.open("rb") as raw:
        first = raw.readline(1 << 20)
    if not first.strip():
        return "empty file: no header line"
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "header line is not UTF-8 text"
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


def has_data_lines(path: Path) -> bool:
    with path.open("rb") as raw:
        raw.readline(1 << 20)
        return any(line.strip() for line in raw)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _log_outcome(outcome: FileOutcome) -> None:
    if not outcome.new:
        log.debug("unchanged %s (%s)", outcome.relative_path, outcome.status)
    elif outcome.status == "loaded":
        log.debug(
            "loaded %s: %s rows, %s rejected",
            outcome.relative_path,
            f"{outcome.rows_loaded:,}",
            f"{outcome.rows_rejected:,}",
        )
    elif outcome.status == "quarantined":
        log.error("quarantined %s: %s", outcome.relative_path, outcome.reason)
    else:
        log.warning("%s %s: %s", outcome.status, outcome.relative_path, outcome.reason)
