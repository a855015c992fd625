"""Load landed files into restricted.duckdb's raw tables, exactly once per content.

For every file below <landing>/<source>/ the loader records one manifest row per
(path, content) it has not seen before:

    loaded       rows went to raw_<source>.<table>; rows that did not parse went to
                 loader.rejects with their line and the reason
    duplicate    the same bytes were already loaded under another name: nothing added
    quarantined  the file cannot be read as its report (wrong header, empty, no
                 schema for a headerless file, unreadable): nothing added, the reason
                 recorded, the run exits non-zero
    ignored      no known report has this name

Three readers (see loaders/specs.py): CSV with a header row; headerless CSV whose
columns come from a schema file delivered with it (rows missing trailing fields read
them as NULL and are counted in `rows_padded`; rows with more fields are rejected);
and JSON pages, one {"value": [...]} object per line (a line that is not such an
object is rejected with its line number; each record is a row).

A file's rows, its rejects and its manifest row commit in one transaction, so a crash
leaves either all of them or none. Rows are read by DuckDB's CSV and text readers,
never by a Python loop. A changed file under the same name is a new version: staging
keeps only the newest loaded version of each path (see models/staging/loader).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from loaders import restricted
from loaders.progress import Progress
from loaders.restricted import RECORD_COLUMN, quote_ident
from loaders.settings import memory_limit
from loaders.sources import all_tables
from loaders.specs import DeliveredFile, RawTable, Source

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)

# Files are committed in batches of about this many bytes.
BATCH_BYTES = 256 * 2**20


class LoadError(Exception):
    """The load cannot go on (not a problem of one file); the message says why."""


@dataclass(frozen=True)
class FileOutcome:
    relative_path: str
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    new: bool = True
    rows_padded: int = 0
    quiet: bool = False  # expected and harmless (e.g. a schema file): log at debug


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

    @property
    def rows_padded(self) -> int:
        return sum(o.rows_padded for o in self.outcomes if o.new)

    def summary(self) -> str:
        padded = (
            f", {self.rows_padded:,} with trailing fields missing (read as NULL)"
            if self.rows_padded
            else ""
        )
        return (
            f"{len(self.by_status('loaded', new_only=True)):,} files loaded "
            f"({self.rows_loaded:,} rows, {self.rows_rejected:,} rejected{padded}), "
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
            batch_bytes += _batch_weight(found, size)
            if batch_bytes >= BATCH_BYTES or number == len(candidates):
                for outcome in _load_batch(conn, landing_dir, batch):
                    report.outcomes.append(outcome)
                    _log_outcome(outcome)
                batch, batch_bytes = [], 0
            progress.advance(size, _path_of(found).name)
        conn.execute("checkpoint")
    progress.close()
    return report


def _batch_weight(found: DeliveredFile | Path, size: int) -> int:
    """What a file counts for in its batch. JSON pages are parsed into temp tables
    several times the file's size, and DuckDB frees a replaced temp table only when
    the transaction commits: a JSON file closes its batch."""
    if isinstance(found, DeliveredFile) and found.reader == "json_pages":
        return BATCH_BYTES
    return size


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
    """DuckDB's reader failed on a file in a way its rejects could not absorb."""

    def __init__(
        self, record: _ManifestRecord, error: duckdb.Error, reader: str
    ) -> None:
        super().__init__(str(error))
        self.record = record
        kind = "JSON pages" if reader == "json_pages" else "CSV"
        self.reason = f"unreadable as {kind}: {str(error).splitlines()[0]}"


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

    table_name = found.table.name if isinstance(found, DeliveredFile) else ""
    record = _ManifestRecord(
        source=source.name,
        table_name=table_name or None,
        file_path=relative,
        file_size=stat.st_size,
        file_mtime=mtime,
        file_sha256=sha256,
    )
    if not isinstance(found, DeliveredFile):
        return record.write(
            conn, "ignored", reason=f"not a known {source.name} report file name"
        )

    if found.problem:
        outcome = record.write(conn, found.problem_status, reason=found.problem)
        return replace(outcome, quiet=found.quiet)
    problem = header_problem(path, found.header) if found.reader == "csv" else None
    if problem:
        return record.write(conn, "quarantined", reason=problem)
    if found.reader != "csv" and not has_data_lines(path, header=False):
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
        restricted.ensure_raw_table(conn, found.table)
        if found.reader == "json_pages":
            outcome = _insert_json_records(conn, found, record)
        else:
            outcome = _insert_rows(conn, found, record)
    except duckdb.OutOfMemoryException as error:
        # Not the file's fault: stop the run (the batch rolls back), never quarantine.
        raise LoadError(
            f"DuckDB ran out of memory loading {relative} ({error}). Nothing of "
            f"this batch was kept; raise HE_MEMORY_LIMIT (now {memory_limit()}) and "
            "run again."
        ) from error
    except duckdb.Error as error:
        raise _Unreadable(record, error, found.reader) from error
    _check_advisories(conn, found, record)
    return outcome


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
        rows_padded: int | None = None,
        columns_from: str | None = None,
    ) -> FileOutcome:
        if file_id is None:
            file_id = next_file_id(conn)
        rows_in, rows_loaded, rows_rejected = rows or (None, None, None)
        values = {
            "file_id": file_id,
            "source": self.source,
            "table_name": self.table_name,
            "file_path": self.file_path,
            "file_size": self.file_size,
            "file_mtime": self.file_mtime,
            "file_sha256": self.file_sha256,
            "status": status,
            "reason": reason,
            "duplicate_of": duplicate_of,
            "rows_in": rows_in,
            "rows_loaded": rows_loaded,
            "rows_rejected": rows_rejected,
            "recorded_at": _now(),
            "rows_padded": rows_padded,
            "columns_from": columns_from,
        }
        conn.execute(
            f"insert into loader.manifest ({', '.join(values)}) "
            f"values ({', '.join('?' for _ in values)})",
            list(values.values()),
        )
        return FileOutcome(
            self.file_path,
            status,
            rows_in or 0,
            rows_loaded or 0,
            rows_rejected or 0,
            reason,
            rows_padded=rows_padded or 0,
        )


def next_file_id(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("select nextval('loader.file_id_seq')").fetchone()[0]


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, record: _ManifestRecord
) -> FileOutcome:
    """Read a CSV file with DuckDB's CSV reader and split its rows between the raw
    table and the rejects; must run inside a transaction.

    A headerless file whose rows lack trailing fields reads them as NULL: the first
    pass records such rows as MISSING COLUMNS, the second reads them padded, and they
    are counted instead of rejected."""
    padding = found.reader == "csv_no_header"
    for name in ("errors", "scans", "errors_second_pass", "scans_second_pass"):
        conn.execute(f"drop table if exists temp.he_reject_{name}")
    # First pass: count the records and collect the ones that do not fit the CSV
    # shape. Second pass (a view, read by the inserts): the same records, numbered.
    rows_read = _first_pass(conn, found, parallel=True)
    if conn.execute("select count(*) from temp.he_reject_errors").fetchone()[0]:
        # DuckDB's parallel reader may record only some of a large file's rejects:
        # read it again in one thread to have every one, with its line number.
        rows_read = _first_pass(conn, found, parallel=False)
    padded_lines = "error_type = 'MISSING COLUMNS'" if padding else "false"
    conn.execute(
        "create or replace temp view he_structural_rejects as "
        f"select * from temp.he_reject_errors where not ({padded_lines})"
    )
    rows_padded = conn.execute(
        f"select count(distinct line) from temp.he_reject_errors where {padded_lines}"
    ).fetchone()[0]
    conn.execute(
        f"create or replace temp view he_incoming as "
        f"select * from {_read_csv_sql(found, first_pass=False)} with ordinality"
    )
    rows_second_pass = conn.execute("select count(*) from he_incoming").fetchone()[0]
    if rows_second_pass != rows_read + rows_padded:
        # Never load part of a file silently: the reader must see the same rows
        # twice, else the file is quarantined as unreadable.
        raise duckdb.InvalidInputException(
            f"the CSV reader returned {rows_second_pass:,} rows on its second pass "
            f"and {rows_read + rows_padded:,} on its first"
        )
    conn.execute(
        "create or replace temp view he_checked as "
        f"{_checked_sql(found.table, found.header, header_lines=0 if padding else 1)}"
    )
    rows_loaded = _insert_checked(conn, found, record)
    structural = conn.execute(
        "select count(distinct line) from he_structural_rejects"
    ).fetchone()[0]
    file_id = next_file_id(conn)
    if rows_loaded == rows_read + rows_padded and structural == 0:
        return record.write(
            conn,
            "loaded",
            file_id=file_id,
            rows=(rows_loaded, rows_loaded, 0),
            rows_padded=rows_padded,
            columns_from=found.columns_from,
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
        from he_structural_rejects
        group by line
        """,
        [file_id, record.file_path, file_id, record.file_path],
    )
    return _loaded_with_rejects(conn, found, record, file_id, rows_loaded, rows_padded)


def _insert_checked(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, record: _ManifestRecord
) -> int:
    """Insert the rows of `he_checked` without a reason into the raw table."""
    row_columns = (RECORD_COLUMN,) if found.reader == "json_pages" else ()
    constants = {k: v for k, v in found.metadata.items() if k not in row_columns}
    targets = [
        *found.header,
        *constants,
        *row_columns,
        *(name for name, _ in restricted.LINEAGE_COLUMNS),
    ]
    values = [
        *(quote_ident(name) for name in found.header),
        *("?" for _ in constants),
        *("he_record" for _ in row_columns),
        "?",
        "he_line",
        "?",
        "?",
    ]
    return conn.execute(
        f"insert into {found.table.qualified_name} "
        f"({', '.join(quote_ident(t) for t in targets)}) "
        f"select {', '.join(values)} from he_checked where he_reason is null",
        [*constants.values(), record.file_path, record.file_sha256, _now()],
    ).fetchone()[0]


def _loaded_with_rejects(
    conn: duckdb.DuckDBPyConnection,
    found: DeliveredFile,
    record: _ManifestRecord,
    file_id: int,
    rows_loaded: int,
    rows_padded: int,
) -> FileOutcome:
    rows_rejected = conn.execute(
        "select count(*) from loader.rejects where file_id = ?", [file_id]
    ).fetchone()[0]
    return record.write(
        conn,
        "loaded",
        file_id=file_id,
        rows=(rows_loaded + rows_rejected, rows_loaded, rows_rejected),
        rows_padded=rows_padded,
        columns_from=found.columns_from,
    )


def _insert_json_records(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, record: _ManifestRecord
) -> FileOutcome:
    """Read JSON pages, one {"value": [...]} object per line, with DuckDB's text and
    JSON functions. A line that is not such an object is rejected with its number;
    every record of the good lines is a row, its fields kept as text (nested objects
    and arrays as JSON text), with its line as `_source_row` and its position in the
    page as `_source_record`."""
    assert RECORD_COLUMN in found.table.metadata_columns, found.table.name
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
                from read_text({_literal(str(found.path))}) as delivered
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
    fields = ",\n".join(
        f"json_extract_string(page_records.value, {_literal(_json_path(name))}) "
        f"as {quote_ident(name)}"
        for name in found.header
    )
    conn.execute(
        f"""
        create or replace temp table he_json_records as
        select
            {fields},
            he_pages.line_number as he_line,
            page_records.he_record,
            case when json_type(page_records.value) <> 'OBJECT'
                then 'record ' || page_records.he_record || ' is not a JSON object'
            end as he_shape,
            cast(page_records.value as varchar) as he_text
        from
            he_pages,
            unnest(cast(json_extract(he_pages.line, '$.value') as json[]))
                with ordinality as page_records(value, he_record)
        where he_pages.reason is null
        """
    )
    conn.execute(
        "create or replace temp view he_checked as "
        "select *, coalesce(he_shape, "
        f"{_reason_sql(found.table, found.header)}) as he_reason "
        "from he_json_records"
    )
    rows_loaded = _insert_checked(conn, found, record)
    file_id = next_file_id(conn)
    conn.execute(
        """
        insert into loader.rejects
        select ?, ?, line_number, reason, line from he_pages where reason is not null
        union all
        select ?, ?, he_line, he_reason, he_text from he_checked
        where he_reason is not null
        """,
        [file_id, record.file_path, file_id, record.file_path],
    )
    return _loaded_with_rejects(conn, found, record, file_id, rows_loaded, 0)


def _json_path(field_name: str) -> str:
    return '$."' + field_name.replace('"', '\\"') + '"'


def _check_advisories(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, record: _ManifestRecord
) -> None:
    """Warn about loaded rows that are valid but will not be useful as they are
    (e.g. concealed user names), naming the file and the count."""
    for predicate, message in found.table.advisories:
        matching = conn.execute(
            f"select count(*) from {found.table.qualified_name} "
            f"where _source_file = ? and _file_sha256 = ? and ({predicate})",
            [record.file_path, record.file_sha256],
        ).fetchone()[0]
        if matching:
            log.warning("%s: %s rows: %s", record.file_path, f"{matching:,}", message)


def _first_pass(
    conn: duckdb.DuckDBPyConnection, found: DeliveredFile, *, parallel: bool
) -> int:
    """The records of the file that fit its CSV shape; the others are recorded in
    temp.he_reject_errors."""
    for name in ("errors", "scans"):
        conn.execute(f"drop table if exists temp.he_reject_{name}")
    reader = _read_csv_sql(found, first_pass=True, parallel=parallel)
    return conn.execute(f"select count(*) from {reader}").fetchone()[0]


def _read_csv_sql(
    found: DeliveredFile, *, first_pass: bool, parallel: bool = True
) -> str:
    """DuckDB's reader with nothing left to guess: our column names, all text. Rows
    that do not fit are skipped and recorded with their line number (the first pass
    in temp.he_reject_errors). Both passes record them: with `ignore_errors` alone,
    DuckDB stops reading at some malformed quotes, which would lose the rest of the
    file. The second pass over a headerless file pads rows that lack trailing fields
    with NULL."""
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in found.header)
    suffix = "" if first_pass else "_second_pass"
    rejects = (
        f"store_rejects = true, rejects_table = 'he_reject_errors{suffix}', "
        f"rejects_scan = 'he_reject_scans{suffix}'"
    )
    header = "true" if found.reader == "csv" else "false"
    padding = (
        ", null_padding = true"
        if found.reader == "csv_no_header" and not first_pass
        else ""
    )
    threads = "" if parallel else ", parallel = false"
    return (
        f"read_csv({_literal(str(found.path))}, header = {header}, "
        f"auto_detect = false, columns = {{{columns}}}, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, {rejects}{padding}{threads})"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _checked_sql(table: RawTable, header: tuple[str, ...], header_lines: int) -> str:
    """Each incoming row with its line number and, if it breaks a rule, the reason.

    DuckDB numbers only the rows it kept; a kept row's line is its ordinal plus the
    header line (if any) plus the rejected lines before it.
    """
    return f"""
        with structural_rejects as (
            select
                line,
                row_number() over (order by line) as rejected_so_far
            from he_structural_rejects
            group by line
        ),

        gaps as (
            select
                line - {header_lines} - rejected_so_far as kept_rows_before,
                max(rejected_so_far) as rejected_so_far
            from structural_rejects
            group by line - {header_lines} - rejected_so_far
        )

        select
            he_incoming.*,
            he_incoming.ordinality + {header_lines}
                + coalesce(gaps.rejected_so_far, 0) as he_line,
            {_reason_sql(table, header, "he_incoming.")} as he_reason
        from he_incoming
        asof left join gaps
            on he_incoming.ordinality > gaps.kept_rows_before
    """


def _reason_sql(table: RawTable, header: tuple[str, ...], prefix: str = "") -> str:
    parts = []
    for name in header:
        column = table.column(name)
        value = prefix + quote_ident(name)
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


def has_data_lines(path: Path, *, header: bool = True) -> bool:
    """Whether the file has a non-blank line after its header (if it has one)."""
    with path.open("rb") as raw:
        if header:
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
    if not outcome.new or outcome.quiet:
        log.debug("%s %s: %s", outcome.status, outcome.relative_path, outcome.reason)
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
