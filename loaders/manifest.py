"""The manifest: one row per (path, content) the loader decided on, and why.

    loaded       rows went to raw_<source>.<table>; rows that did not pass went to
                 loader.rejects with their line and the reason
    duplicate    the same bytes are the current version of another path: nothing added
    quarantined  the file cannot be read as its report (wrong header, empty, no
                 schema for a headerless file, unreadable): nothing added
    ignored      not a report we load (unknown or unsafe name, a schema file)

A path's current version is its newest loaded content, whatever came before: a
report that goes A -> B -> A is loaded again on its return to A (the rows of A's
first load are replaced, so raw tables hold each path's content once).

Whether a landed file needs a look at all is decided from loader.landed_files: its
size, modification time, inode change time and inode as last seen. Any write to a
local file changes its ctime, so a rewrite with the same size and mtime is still
seen. On a file system that does not keep ctime or inodes (some network mounts),
HE_RECHECK_DAYS hashes the files of recent report dates again on every run.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

_EPOCH = datetime(1970, 1, 1)


def utc_now() -> datetime:
    """Now, in UTC, without a time zone (how every loader timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


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
    rows_flagged: int = 0
    quiet: bool = False  # expected and harmless (e.g. a schema file): log at debug
    file_id: int | None = None  # the manifest row written for it (new outcomes)

    @property
    def is_finding(self) -> bool:
        """A problem of this delivery that someone should look at."""
        return self.new and is_finding(
            self.status,
            rows_rejected=self.rows_rejected,
            rows_flagged=self.rows_flagged,
            reason=self.reason,
            quiet=self.quiet,
        )


def is_finding(
    status: str,
    *,
    rows_rejected: int = 0,
    rows_flagged: int = 0,
    reason: str | None = None,
    quiet: bool = False,
) -> bool:
    """Whether a file's outcome is a finding: quarantined, ignored (unless expected,
    such as a schema file), or loaded with rejected or flagged rows or a remark
    (e.g. read as Latin-1). A duplicate is not: its rows already count."""
    if quiet or status == "duplicate":
        return False
    if status in ("quarantined", "ignored"):
        return True
    return bool(rows_rejected or rows_flagged or reason)


@dataclass
class LoadReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def by_status(self, status: str, *, new_only: bool = False) -> list[FileOutcome]:
        return [
            o for o in self.outcomes if o.status == status and (o.new or not new_only)
        ]

    @property
    def quarantined(self) -> list[FileOutcome]:
        return self.by_status("quarantined", new_only=True)

    @property
    def findings(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.is_finding]

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes if o.new)

    @property
    def rows_rejected(self) -> int:
        return sum(o.rows_rejected for o in self.outcomes if o.new)

    @property
    def rows_padded(self) -> int:
        return sum(o.rows_padded for o in self.outcomes if o.new)

    @property
    def rows_flagged(self) -> int:
        return sum(o.rows_flagged for o in self.outcomes if o.new)

    def summary(self) -> str:
        extras = []
        if self.rows_padded:
            extras.append(
                f"{self.rows_padded:,} with trailing fields missing (read as NULL)"
            )
        if self.rows_flagged:
            extras.append(f"{self.rows_flagged:,} flagged")
        detail = "".join(f", {extra}" for extra in extras)
        ignored = [o for o in self.by_status("ignored", new_only=True) if not o.quiet]
        return (
            f"{len(self.by_status('loaded', new_only=True)):,} files loaded "
            f"({self.rows_loaded:,} rows, {self.rows_rejected:,} rejected{detail}), "
            f"{len(self.by_status('duplicate', new_only=True)):,} duplicates, "
            f"{len(self.quarantined):,} quarantined, "
            f"{len(ignored):,} ignored, "
            f"{sum(1 for o in self.outcomes if not o.new):,} unchanged"
        )


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing tree as the file system describes it now."""

    path: Path
    relative: str
    size: int
    mtime: datetime
    ctime_ns: int
    inode: int

    @classmethod
    def at(cls, path: Path, relative: str) -> LandedFile:
        status = path.stat()
        return cls(
            path=path,
            relative=relative,
            size=status.st_size,
            mtime=_EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000),
            ctime_ns=status.st_ctime_ns,
            inode=status.st_ino,
        )


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    is_utf8: bool
    lines: int  # newline-ended lines, and a last one without a newline

    @property
    def encoding(self) -> str:
        """How the file's text is read: UTF-8 when it is, else Latin-1 (every byte is
        a Latin-1 character, so nothing is lost; the load says so)."""
        return "utf-8" if self.is_utf8 else "latin-1"


def fingerprint(path: Path) -> Fingerprint:
    """The file's SHA-256, whether it is valid UTF-8 and its lines, in one read."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    lines = 0
    last = b"\n"
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return Fingerprint(digest.hexdigest(), is_utf8, lines + (last != b"\n"))


@dataclass(frozen=True)
class Version:
    file_id: int
    file_sha256: str
    status: str
    reason: str | None


class Manifest:
    """The manifest's questions and records, on the load's open connection.

    What the file system and the manifest last said about every path is read once,
    when the load starts (`snapshot`), so a run over thousands of unchanged files
    asks DuckDB two questions, not two per file. Each path is decided once per
    run, so nothing written during the run needs to be read back here."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self._seen: dict[str, tuple[object, ...]] | None = None
        self._newest: dict[str, Version] | None = None

    def snapshot(self) -> Manifest:
        self._seen = {
            row[0]: tuple(row[1:])
            for row in self.conn.execute(
                "select file_path, file_size, file_mtime, file_ctime_ns, file_inode "
                "from loader.landed_files"
            ).fetchall()
        }
        self._newest = {
            row[0]: Version(*row[1:])
            for row in self.conn.execute(
                "select file_path, file_id, file_sha256, status, reason "
                "from loader.manifest "
                "qualify row_number() over (partition by file_path "
                "order by file_id desc) = 1"
            ).fetchall()
        }
        return self

    def unchanged_since_seen(self, landed: LandedFile) -> bool:
        """The file is as it was when last hashed (size, mtime, ctime, inode)."""
        if self._seen is not None:
            seen = self._seen.get(landed.relative)
        else:
            seen = self.conn.execute(
                "select file_size, file_mtime, file_ctime_ns, file_inode "
                "from loader.landed_files where file_path = ?",
                [landed.relative],
            ).fetchone()
        return tuple(seen or ()) == (
            landed.size,
            landed.mtime,
            landed.ctime_ns,
            landed.inode,
        )

    def remember(self, landed: LandedFile, sha256: str) -> None:
        self.conn.execute(
            "insert or replace into loader.landed_files values (?, ?, ?, ?, ?, ?, ?)",
            [
                landed.relative,
                landed.size,
                landed.mtime,
                landed.ctime_ns,
                landed.inode,
                sha256,
                utc_now(),
            ],
        )

    def newest(self, relative: str) -> Version | None:
        """The newest decision recorded for the path."""
        if self._newest is not None:
            return self._newest.get(relative)
        row = self.conn.execute(
            "select file_id, file_sha256, status, reason from loader.manifest "
            "where file_path = ? order by file_id desc limit 1",
            [relative],
        ).fetchone()
        return Version(*row) if row else None

    def loaded_before(self, relative: str, sha256: str) -> bool:
        """Whether these bytes were loaded under this path before (A -> B -> A)."""
        return bool(
            self.conn.execute(
                "select count(*) from loader.manifest "
                "where file_path = ? and file_sha256 = ? and status = 'loaded'",
                [relative, sha256],
            ).fetchone()[0]
        )

    def current_path_with(self, sha256: str, *, other_than: str) -> str | None:
        """Another path whose current (newest loaded) version has these bytes."""
        row = self.conn.execute(
            """
            select loaded.file_path
            from loader.manifest as loaded
            where loaded.file_sha256 = ? and loaded.status = 'loaded'
                and loaded.file_path <> ?
                and loaded.file_id = (
                    select max(newest.file_id) from loader.manifest as newest
                    where newest.file_path = loaded.file_path
                        and newest.status = 'loaded'
                )
            order by loaded.file_id
            limit 1
            """,
            [sha256, other_than],
        ).fetchone()
        return row[0] if row else None

    def next_file_id(self) -> int:
        return self.conn.execute("select nextval('loader.file_id_seq')").fetchone()[0]


@dataclass(frozen=True)
class ManifestRecord:
    """What the manifest row of one (path, content) says about the file itself."""

    source: str
    table_name: str | None
    file_path: str
    file_size: int
    file_mtime: datetime
    file_sha256: str
    encoding: str | None = None

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
        rows_flagged: int = 0,
        columns_from: str | None = None,
        quiet: bool = False,
    ) -> FileOutcome:
        if file_id is None:
            file_id = Manifest(conn).next_file_id()
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
            "recorded_at": utc_now(),
            "rows_padded": rows_padded,
            "columns_from": columns_from,
            "encoding": self.encoding,
            "rows_flagged": rows_flagged,
            "is_finding": is_finding(
                status,
                rows_rejected=rows_rejected or 0,
                rows_flagged=rows_flagged,
                reason=reason,
                quiet=quiet,
            ),
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
            rows_flagged=rows_flagged,
            quiet=quiet,
            file_id=file_id,
        )
