"""Declarative descriptions of delivered files and the raw tables they load into.

A source module (loaders/sources/<source>.py) describes, for each raw table, which
file names in the landing tree belong to it, which header each file must carry, and
which values each column must parse as. The loading engine (loaders/load.py) does
the rest the same way for every source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Check:
    """A rule a non-empty text value must satisfy, as a DuckDB predicate on `{v}`."""

    predicate: str
    expectation: str

    def sql(self, column_sql: str) -> str:
        return self.predicate.format(v=column_sql)


# The value styles the sources deliver. Raw tables keep the text; these rules make sure
# staging's casts cannot fail on a row that was loaded.
ISO_DATE = Check(r"try_strptime({v}, '%Y-%m-%d') is not null", "a date like 2024-09-03")
TRUE_FALSE = Check("{v} in ('True', 'False', 'true', 'false')", "True or False")
COUNT = Check(r"regexp_full_match({v}, '[0-9]{{1,9}}')", "a whole number >= 0")


@dataclass(frozen=True)
class Column:
    name: str
    check: Check | None = None
    required: bool = False


@dataclass(frozen=True)
class Layout:
    """One way a table's files are named below the source's landing folder.

    `pattern` matches the path relative to the source folder; its named groups become
    metadata values (e.g. the user type). `header` gives the expected header for
    those values.
    """

    pattern: re.Pattern[str]
    header: Callable[[Mapping[str, str]], tuple[str, ...]]
    metadata: Callable[[Mapping[str, str]], Mapping[str, str]] = lambda groups: {}


@dataclass(frozen=True)
class RawTable:
    source: str
    name: str
    columns: tuple[Column, ...]
    layouts: tuple[Layout, ...]
    metadata_columns: tuple[str, ...] = ()
    description: str = ""

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


@dataclass(frozen=True)
class DeliveredFile:
    """A landed file the loader knows how to read."""

    path: Path
    relative_path: str
    table: RawTable
    header: tuple[str, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteFolder:
    """A folder a source's server delivers into, and the only file names in it that
    may be fetched (fully matched). Fetched files land in <landing>/<source>/<name>/
    under their remote name, so every allowed name must also match a Layout."""

    name: str
    file_name: re.Pattern[str]


@dataclass(frozen=True)
class Source:
    name: str
    tables: tuple[RawTable, ...]
    description: str = ""
    remote_folders: tuple[RemoteFolder, ...] = ()

    def discover(self, landing_dir: Path) -> Iterator[DeliveredFile | Path]:
        """Every file below <landing>/<source>/, matched to its table, or the bare path
        when no table claims it. Hidden and partial files are left alone."""
        root = landing_dir / self.name
        if not root.is_dir():
            return
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink() or _is_transient(path):
                continue
            inside = path.relative_to(root).as_posix()
            relative = path.relative_to(landing_dir).as_posix()
            yield self._match(path, inside, relative) or path

    def _match(self, path: Path, inside: str, relative: str) -> DeliveredFile | None:
        for table in self.tables:
            for layout in table.layouts:
                found = layout.pattern.fullmatch(inside)
                if found:
                    groups = found.groupdict()
                    return DeliveredFile(
                        path=path,
                        relative_path=relative,
                        table=table,
                        header=layout.header(groups),
                        metadata=layout.metadata(groups),
                    )
        return None


def _is_transient(path: Path) -> bool:
    name = path.name
    return name.startswith(".") or name.endswith((".part", ".tmp", "~"))
