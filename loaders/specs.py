"""Declarative descriptions of delivered files and the raw tables they load into.

A source module (loaders/sources/<source>.py) describes, for each raw table, which
file names in the landing tree belong to it, how each file is read (a CSV with a
header row, a headerless CSV whose columns a schema file names, or JSON pages), which
columns it must carry, and which values each column must parse as. The loading engine
(loaders/load.py) does the rest the same way for every source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

from loaders.names import printable, unsafe_name
from loaders.sql import literal

# How a file is read:
#   csv            a header row names the columns; it must be exactly the expected one
#   csv_no_header  no header row; the columns, in order, come from a schema file
#                  delivered with the data; rows with trailing fields missing read
#                  them as NULL (and are counted), rows with more fields are rejected
#   json_pages     one JSON object {"value": [record, ...]} per line, as the
#                  Microsoft Graph API returns pages; each record is a row
Reader = Literal["csv", "csv_no_header", "json_pages"]


@dataclass(frozen=True)
class Check:
    """A rule a non-empty text value must satisfy, as a DuckDB predicate on `{v}`."""

    predicate: str
    expectation: str

    def sql(self, column_sql: str) -> str:
        return self.predicate.format(v=column_sql)


def one_of(*values: str) -> Check:
    """The value is exactly one of `values` (case-sensitive)."""
    listed = ", ".join(literal(value) for value in values)
    return Check(f"{{v}} in ({listed})", " or ".join(values))


# The value styles the sources deliver. Raw tables keep the text; these rules make sure
# staging's casts cannot fail on a row that was loaded.
# Zero-padded, so that one day has one spelling (2024-9-3 would be a second key for
# the same day of a Clever user).
ISO_DATE = Check(
    r"regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
    r"and try_strptime({v}, '%Y-%m-%d') is not null",
    "a date like 2024-09-03",
)
US_DATE = Check(
    r"try_strptime({v}, '%m/%d/%Y') is not null", "a date like 09/23/2021 (MM/DD/YYYY)"
)
ISO_OR_US_DATE = Check(
    r"try_strptime({v}, ['%Y-%m-%d', '%m/%d/%Y']) is not null",
    "a date like 2022-01-03 or 8/15/2020",
)
DATE_TIME = Check(
    r"(try_cast({v} as timestamp) is not null "
    r"or try_strptime({v}, ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'])"
    r" is not null)",
    "a date or date and time",
)
TRUE_FALSE = Check("{v} in ('True', 'False', 'true', 'false')", "True or False")
BOOLEAN = Check(
    "lower({v}) in ('true', 'false', '1', '0')", "a boolean (true/false or 1/0)"
)
COUNT = Check(r"regexp_full_match({v}, '[0-9]{{1,9}}')", "a whole number >= 0")
INTEGER = Check(r"regexp_full_match({v}, '-?[0-9]{{1,9}}')", "a whole number")
NUMBER = Check("try_cast({v} as double) is not null", "a number")
HMS_DURATION = Check(
    r"regexp_full_match({v}, '[0-9]{{1,4}}:[0-5][0-9]:[0-5][0-9]')",
    "a duration like 00:14:02 (hh:mm:ss)",
)
ISO_DURATION = Check(
    r"regexp_full_match({v}, "
    r"'P(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?')"
    r" and {v} not in ('P', 'PT')",
    "an ISO-8601 duration like PT1M10S",
)
JSON_ARRAY = Check(
    "json_valid({v}) and json_type({v}) = 'ARRAY'", "a JSON array (as text)"
)


@dataclass(frozen=True)
class Column:
    name: str
    check: Check | None = None
    required: bool = False


@dataclass(frozen=True)
class FileMatch:
    """A landed file whose path matched a layout's pattern."""

    path: Path
    inside: str  # path relative to <landing>/<source>/
    relative: str  # path relative to the landing folder
    groups: Mapping[str, str]


class LayoutProblem(Exception):
    """The file is named like a known report but cannot be read as one (e.g. the
    schema that names its columns is missing): it is quarantined with this reason,
    or, with status "ignored", recorded as not a report we load (e.g. an export's
    entity that its own schema does not describe)."""

    def __init__(self, reason: str, status: str = "quarantined") -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class FileShape:
    """What the loader needs to read one file beyond its name: its table (possibly
    widened by a schema), its columns in order, and where those names came from."""

    table: RawTable
    columns: tuple[str, ...]
    columns_from: str


@dataclass(frozen=True)
class Layout:
    """One way a table's files are named below the source's landing folder.

    `pattern` matches the path relative to the source folder; its named groups become
    metadata values (e.g. the user type). For a CSV with a header row, `header` gives
    the expected header; JSON pages list the record fields to keep. A headerless file
    gets its columns from `shape`, which reads the schema delivered beside it.
    """

    pattern: re.Pattern[str]
    header: Callable[[Mapping[str, str]], tuple[str, ...]] | None = None
    metadata: Callable[[Mapping[str, str]], Mapping[str, str]] = lambda groups: {}
    reader: Reader = "csv"
    shape: Callable[[FileMatch, RawTable | None], FileShape] | None = None


@dataclass(frozen=True)
class Flag:
    """A rule a loaded row may break without being wrong: the row loads, and the file
    and line are recorded in loader.flags as a finding (e.g. a weekend attendance
    date, a concealed user name). `predicate` is a DuckDB predicate on the row's
    delivered columns; `reason` may quote a column with `{column}`."""

    predicate: str
    rule: str


# How later deliveries of a table relate to earlier ones:
#   add      each delivery adds records (activity: a day's report, an export of new
#            lessons). A record whose key a current version of another file already
#            holds is rejected as a duplicate of that file's line: the first one
#            loaded is kept, so a record never counts twice.
#   replace  a later delivery re-sends records by key (SIS batches, roster
#            snapshots, user lists): staging keeps each key's version loaded last;
#            the earlier versions are superseded.
Deliveries = Literal["add", "replace"]


@dataclass(frozen=True)
class RawTable:
    source: str
    name: str
    columns: tuple[Column, ...]
    layouts: tuple[Layout, ...] = ()
    metadata_columns: tuple[str, ...] = ()
    description: str = ""
    # The delivered columns (or metadata columns such as `_user_type`) that identify
    # a record; empty means the whole record. Within one file, two lines with the
    # same key keep the later one: the earlier is rejected as "superseded by line
    # N", or, when identical, the repeat is rejected as "duplicate of line N".
    key: tuple[str, ...] = ()
    deliveries: Deliveries = "add"
    # Loaded rows that deserve a look (recorded in loader.flags, a finding).
    flags: tuple[Flag, ...] = ()
    # Each delivery is a full snapshot (e.g. an Insights roster export): a file with
    # the same bytes as an earlier one under another name (an entity unchanged since
    # the last snapshot) is that snapshot's data and loads, instead of being recorded
    # as a duplicate. Staging keeps one version per record, so nothing counts twice.
    full_snapshots: bool = False

    @property
    def schema(self) -> str:
        return f"raw_{self.source}"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def widened(self, extra: tuple[Column, ...]) -> RawTable:
        """This table with the given columns added where it does not declare them."""
        known = {column.name for column in self.columns}
        return replace(
            self,
            columns=self.columns + tuple(c for c in extra if c.name not in known),
        )


@dataclass(frozen=True)
class DeliveredFile:
    """A landed file the loader knows how to read (or why it cannot)."""

    path: Path
    relative_path: str
    table: RawTable
    header: tuple[str, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)
    reader: Reader = "csv"
    columns_from: str = "header row"
    problem: str | None = None
    problem_status: str = "quarantined"
    quiet: bool = False
    # The day the report describes, when its name says (Clever's 2024-09-03-...).
    report_date: date | None = None


@dataclass(frozen=True)
class RemoteFolder:
    """A folder a source's server delivers into, and the only file names in it that
    may be fetched (fully matched). Fetched files land in <landing>/<source>/<name>/
    under their remote name, so every allowed name must also match a Layout. A
    `report_date` group (YYYY-MM-DD) in `file_name` dates the report, for fetch's
    recheck window. Folders named in `subfolders` (exactly, one level deep) are
    read too: their files matching `subfolder_file_name` land in
    <landing>/<source>/<name>/<subfolder>/."""

    name: str
    file_name: re.Pattern[str]
    subfolders: tuple[str, ...] = ()
    subfolder_file_name: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Source:
    name: str
    tables: tuple[RawTable, ...]
    description: str = ""
    # Layouts whose table is decided per file (e.g. every roster entity an export
    # holds, named by its schema); tried after the tables' own layouts.
    layouts: tuple[Layout, ...] = ()
    # Files that describe the data files rather than hold rows (schemas, manifests):
    # recorded as ignored, without a warning.
    companions: tuple[re.Pattern[str], ...] = ()
    remote_folders: tuple[RemoteFolder, ...] = ()

    def discover(self, landing_dir: Path) -> Iterator[DeliveredFile | Path]:
        """Every file below <landing>/<source>/, matched to its table, or the bare path
        when no table claims it. Hidden and partial files are left alone. Files come
        in natural order (batch2 before batch10), which is the order they load in."""
        root = landing_dir / self.name
        if not root.is_dir():
            return
        paths = (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        for path in sorted(paths, key=lambda p: _natural_key(p.relative_to(root))):
            if _is_transient(path):
                continue
            inside = path.relative_to(root).as_posix()
            relative = path.relative_to(landing_dir).as_posix()
            unsafe = next(filter(None, map(unsafe_name, inside.split("/"))), None)
            if unsafe:
                yield _unsafe(path, printable(relative), unsafe)
                continue
            yield self._match(path, inside, relative) or path

    def _match(self, path: Path, inside: str, relative: str) -> DeliveredFile | None:
        if any(companion.fullmatch(inside) for companion in self.companions):
            return DeliveredFile(
                path=path,
                relative_path=relative,
                table=_NO_TABLE,
                header=(),
                problem="describes the export's files (schema or manifest); read "
                "when they load",
                problem_status="ignored",
                quiet=True,
            )
        candidates = [
            (table, layout) for table in self.tables for layout in table.layouts
        ]
        candidates += [(None, layout) for layout in self.layouts]
        for owner, layout in candidates:
            found = layout.pattern.fullmatch(inside)
            if found:
                match = FileMatch(path, inside, relative, found.groupdict())
                return _delivered(match, owner, layout)
        return None


_NO_TABLE = RawTable(source="", name="", columns=())


def _unsafe(path: Path, relative: str, problem: str) -> DeliveredFile:
    return DeliveredFile(
        path=path,
        relative_path=relative,
        table=_NO_TABLE,
        header=(),
        problem=f"unsafe name ({problem}): never loaded",
        problem_status="ignored",
    )


def _report_date(groups: Mapping[str, str]) -> date | None:
    try:
        return date.fromisoformat(groups["report_date"])
    except (KeyError, TypeError, ValueError):
        return None


def _delivered(
    match: FileMatch, owner: RawTable | None, layout: Layout
) -> DeliveredFile:
    metadata = layout.metadata(match.groups)
    report_date = _report_date(match.groups)
    if layout.shape is None:
        assert owner is not None and layout.header is not None
        return DeliveredFile(
            path=match.path,
            relative_path=match.relative,
            table=owner,
            header=layout.header(match.groups),
            metadata=metadata,
            reader=layout.reader,
            columns_from="header row" if layout.reader == "csv" else "record fields",
            report_date=report_date,
        )
    try:
        shape = layout.shape(match, owner)
    except LayoutProblem as problem:
        placeholder = owner or _NO_TABLE
        return DeliveredFile(
            path=match.path,
            relative_path=match.relative,
            table=placeholder,
            header=(),
            metadata=metadata,
            reader=layout.reader,
            problem=str(problem),
            problem_status=problem.status,
        )
    return DeliveredFile(
        path=match.path,
        relative_path=match.relative,
        table=shape.table,
        header=shape.columns,
        metadata=metadata,
        reader=layout.reader,
        columns_from=shape.columns_from,
        report_date=report_date,
    )


def _natural_key(path: Path) -> tuple[tuple[int, str | int], ...]:
    """Sort key that orders digit runs by value: batch2 < batch10."""
    return tuple(
        (1, int(part)) if part.isascii() and part.isdigit() else (0, part)
        for part in re.split(r"([0-9]+)", path.as_posix())
        if part
    )


def _is_transient(path: Path) -> bool:
    name = path.name
    return name.startswith(".") or name.endswith((".part", ".tmp", "~"))
