"""Deciding what to download: every listed entry is settled here (skipped, or
unchanged since it was fetched) or given its local path to be downloaded.

Whether a file is new is decided per remote path by its size and modification time
against loader.fetch_files, never by a newest-timestamp watermark. Reports dated
within `recheck_days` of the newest report in their folder are downloaded and hashed
again even so.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from loaders.fetch.config import FetchSettings
from loaders.fetch.listing import Entry, is_report_file
from loaders.fetch.state import Fetched
from loaders.names import unsafe_name
from loaders.specs import Source


def _is_transient_name(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp", "~"))


def _report_date(entry: Entry) -> date | None:
    """The date in a report's name (its `report_date` group), if it has one."""
    if entry.subfolder is not None or not is_report_file(entry):
        return None
    match = entry.folder.file_name.fullmatch(entry.remote.name)
    text = match.groupdict().get("report_date") if match else None
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def mark_recheck_window(entries: list[Entry], recheck_days: int) -> None:
    """Mark the reports dated within `recheck_days` days of the newest report
    listed in the same folder (the newest date counts as the first day)."""
    if recheck_days <= 0:
        return
    dated: dict[str, list[tuple[Entry, date]]] = {}
    for entry in entries:
        day = _report_date(entry)
        if day is not None:
            dated.setdefault(entry.folder.name, []).append((entry, day))
    for reports in dated.values():
        newest = max(day for _, day in reports)
        for entry, day in reports:
            entry.recheck = (newest - day).days < recheck_days


def _not_a_file(entry: Entry) -> str:
    kind = entry.remote.kind
    if kind == "symlink":
        return "a symbolic link: links are never followed"
    if kind == "directory":
        if entry.subfolder is not None:
            return (
                f"a folder (only the files of {entry.where}/ are read, not its folders)"
            )
        if entry.folder.subfolders:
            return (
                f"a folder (of the folders in {entry.folder.name}/, only "
                f"{', '.join(entry.folder.subfolders)} are read, spelled exactly so)"
            )
        return "a folder: the report folders are flat"
    return "not a regular file"


def decide(
    entry: Entry,
    landing_dir: Path,
    source: Source,
    fetched: dict[str, Fetched],
    settings: FetchSettings,
    now: datetime,
) -> None:
    """Settle the entry's status now if it will not be downloaded; otherwise give
    it its local path."""
    if entry.status is not None:
        return
    remote = entry.remote
    problem = unsafe_name(remote.name)
    if problem:
        entry.finish("skipped", f"unsafe name ({problem}): never used as a local path")
        return
    if remote.kind != "file":
        entry.finish("skipped", _not_a_file(entry))
        return
    if _is_transient_name(remote.name):
        entry.finish("skipped", "a hidden, partial or temporary file")
        return
    if not is_report_file(entry):
        allowed = (
            " (a .csv file named with letters, digits, '.', '_' and '-')"
            if entry.subfolder
            else ""
        )
        entry.finish(
            "skipped", f"not a {source.name} {entry.where} report file name{allowed}"
        )
        return
    folder_dir = landing_dir / source.name / entry.where
    entry.local_path = folder_dir / remote.name
    # Belt and braces: the validated name cannot leave its folder.
    assert entry.local_path.parent == folder_dir, entry.local_path
    entry.local_relative = entry.local_path.relative_to(landing_dir).as_posix()
    if remote.size == 0:
        entry.finish(
            "skipped", "empty (0 bytes): fetched once it has content", fetch_later=True
        )
        return
    earlier = entry.earlier = fetched.get(entry.recorded_path)
    if (
        earlier
        and (earlier.size, earlier.mtime) == (remote.size, remote.mtime)
        and (entry.local_path.exists() or earlier.in_manifest)
    ):
        entry.sha256 = earlier.sha256
        if not entry.recheck:
            entry.finish(
                "unchanged",
                "same size and modification time as when fetched "
                f"{earlier.fetched_at:%Y-%m-%d %H:%M} UTC",
            )
        # else: downloaded again and hashed (it is already settled)
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
