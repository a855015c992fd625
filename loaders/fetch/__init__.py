"""Fetch a source's deliveries from its server into the landing tree: download and
record, nothing else (loading is the load step's business).

Every run lists the source's remote report folders (and, one level down, the
Students/, Teachers/ and Staff/ folders of OEA's layout) and gives every entry one
status, recorded in loader.fetch_log:

    fetched     downloaded by this run and landed: a new file or new content
    unchanged   not landed again: the same size and modification time as the
                version fetched before, or downloaded again (rechecked, or touched
                on the server) and the same SHA-256: the landed file is kept as is
    skipped     not downloaded, and why: still being written (younger than the
                settle time, changed while it was downloading, or empty); not a
                report file name; a link, a folder or an unsafe name (remote names
                are untrusted); hidden or partial
    error       could not be downloaded after the retries, and why

Whether a file is new is decided per remote path by its size and modification time
against loader.fetch_files, never by a newest-timestamp watermark (which loses files
that share a second). A report dated within `recheck_days` of the newest report in
its folder is downloaded and hashed again even so: a report restated with the same
size in the same second would otherwise go unnoticed. A download streams into
`<name>.part` beside its final place while it is hashed, is fsynced, and is renamed
into place only if the remote file had the same size and mtime before and after,
every byte arrived, and the bytes differ from the landed version; otherwise the .part
file is removed. A crash leaves at most a .part file, which the loader never reads
and the next run removes. A path whose content goes A -> B -> A is landed three
times: the landed file is always the server's current version.

A run fails (the CLI exits non-zero) when it leaves a report file to a later run:
any error, and any file still being written.

The package, one job a module: `fetch` (the step) and its `FetchReport` here;

    config.py    FetchSettings and the transport they point at (SFTP or --from-dir)
    session.py   the transport with bounded retries
    listing.py   listing the remote folders into entries (`Entry`), report file names
    decisions.py what to download: settled entries, the recheck window, settle time
    download.py  atomic downloads through .part files; stale .part files removed
    state.py     the fetch state in restricted.duckdb: loader.fetch_files, fetch_log

The transports themselves are in loaders/transports/.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from loaders.fetch.config import FetchSettings, open_transport
from loaders.fetch.decisions import decide, mark_recheck_window
from loaders.fetch.download import download_all, remove_stale_parts
from loaders.fetch.listing import Entry, FetchError, list_entries
from loaders.fetch.session import Session
from loaders.fetch.state import fetched_files, record
from loaders.manifest import utc_now
from loaders.progress import size_text
from loaders.settings import Paths
from loaders.specs import Source
from loaders.transports.base import Transport

__all__ = [
    "Entry",
    "FetchError",
    "FetchReport",
    "FetchSettings",
    "fetch",
    "open_transport",
]


@dataclass
class FetchReport:
    transport: str
    entries: list[Entry]
    elapsed: float
    run_id: int | None = None

    def with_status(self, status: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.status == status]

    @property
    def failures(self) -> list[Entry]:
        """Report files this run left to a later run, or could not download."""
        return [
            entry
            for entry in self.entries
            if entry.status == "error" or entry.fetch_later
        ]

    def summary(self) -> str:
        downloaded = [entry for entry in self.entries if entry.downloaded]
        unchanged = self.with_status("unchanged")
        rechecked = sum(1 for entry in unchanged if entry.downloaded)
        again = f" ({rechecked:,} downloaded again to check)" if rechecked else ""
        return (
            f"fetch from {self.transport}: {len(self.with_status('fetched')):,} "
            f"fetched, {len(unchanged):,} unchanged{again}, "
            f"{len(self.with_status('skipped')):,} skipped, "
            f"{len(self.with_status('error')):,} errors; "
            f"{size_text(sum(entry.remote.size for entry in downloaded))} "
            f"downloaded in {self.elapsed:.1f} s"
        )

    def failure_message(self) -> str:
        failures = self.failures
        listing = "\n".join(f"  {e.recorded_path}: {e.label}" for e in failures)
        return (
            f"{len(failures)} file(s) not fetched by this run:\n{listing}\n"
            "Files still being written and files that failed to download are tried "
            "again by the next run."
        )


def fetch(
    transport: Transport,
    source: Source,
    paths: Paths,
    settings: FetchSettings,
) -> FetchReport:
    """Mirror the source's remote folders into <landing>/<source>/ and record every
    entry's status. Loads nothing: the load step reads what landed."""
    started = time.monotonic()
    remove_stale_parts(paths.landing_dir, source)
    fetched = fetched_files(paths.restricted_db, transport.identity)
    session = Session(transport, settings)
    try:
        entries = list_entries(session, source)
        mark_recheck_window(entries, settings.recheck_days)
        now = utc_now()
        to_download = []
        for entry in entries:
            decide(entry, paths.landing_dir, source, fetched, settings, now)
            if entry.status is None:
                to_download.append(entry)
        download_all(session, to_download)
    finally:
        transport.close()
    run_id = record(paths.restricted_db, transport.identity, entries)
    return FetchReport(transport.identity, entries, time.monotonic() - started, run_id)
