"""Who holds a file open for writing, so `publish` can refuse to swap it and say who.

Two ways to see a writer, both read-only and both Linux's:

* DuckDB's lock. DuckDB locks its database file with a POSIX record lock: a write
  lock for a read-write connection, a read lock for a read-only one. `F_GETLK` asks
  the kernel which process holds a lock that would conflict with a read lock, i.e. a
  write lock, whoever's process it is (the kernel answers for every account).
* The open descriptors. `/proc/<pid>/fd` names each descriptor's file and
  `/proc/<pid>/fdinfo/<fd>` its access mode: a descriptor opened for writing on the
  file's inode is a writer, DuckDB or not. Only the processes this account may
  inspect are seen (all of them for root).

A reader (read-only connection, O_RDONLY descriptor) is never a holder: publishing
swaps the file under readers by design (they keep their snapshot).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")

# struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
# pid_t l_pid (native alignment; padded to the C struct's 32 bytes).
_FLOCK = "hhqqi"
_FLOCK_SIZE = 32

COMMAND_SHOWN = 200


@dataclass(frozen=True)
class Holder:
    """A process that holds the file for writing."""

    pid: int | None  # None: the kernel reports a lock without its process
    user: str | None
    command: str | None

    def describe(self) -> str:
        if self.pid is None:
            return "a process this account cannot see (it holds DuckDB's write lock)"
        who = f"process {self.pid}"
        if self.user:
            who += f" of user {self.user}"
        if self.command:
            who += f": {self.command}"
        return who


def held_for_writing(path: Path) -> str | None:
    """Why `path` must not be replaced now, naming who writes it; None when nobody
    does."""
    found = writers(path)
    if not found:
        return None
    who = "; ".join(holder.describe() for holder in found)
    return (
        f"{path} is open for writing by {who}. BI tools and people must open it "
        "read-only (e.g. `duckdb -readonly`, `read_only=True`, "
        "`access_mode=read_only`): close that program and publish again"
    )


def writers(path: Path) -> list[Holder]:
    """The processes that hold `path` open for writing or hold its write lock
    (empty when the file does not exist or nobody writes it)."""
    if not path.exists() or not sys.platform.startswith("linux"):
        return []
    pids = set(_open_for_writing(path))
    locker = _write_lock_holder(path)
    holders = [_describe(pid) for pid in sorted(pids)]
    if locker is not None and locker not in pids:
        holders.append(_describe(locker) if locker > 0 else Holder(None, None, None))
    return holders


def _write_lock_holder(path: Path) -> int | None:
    """The pid holding a write lock on the file (-1 when the kernel does not say,
    e.g. an open-file-description lock), or None when there is none."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        request = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        request += b"\0" * (_FLOCK_SIZE - len(request))
        answer = fcntl.fcntl(descriptor, fcntl.F_GETLK, request)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    lock_type, _, _, _, pid = struct.unpack_from(_FLOCK, answer)
    if lock_type == fcntl.F_UNLCK:
        return None
    return pid if pid > 0 else -1


def _open_for_writing(path: Path) -> list[int]:
    """Pids with a descriptor opened for writing on the file's inode."""
    target = path.stat()
    found = []
    me = os.getpid()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            descriptors = list((entry / "fd").iterdir())
        except OSError:  # gone, or another account's process
            continue
        for descriptor in descriptors:
            try:
                opened = os.stat(descriptor)
            except OSError:
                continue
            if (opened.st_dev, opened.st_ino) != (target.st_dev, target.st_ino):
                continue
            if _writes(entry / "fdinfo" / descriptor.name):
                found.append(int(entry.name))
                break
    return found


def _writes(fdinfo: Path) -> bool:
    try:
        text = fdinfo.read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags:"):
            return (int(line.split()[1], 8) & os.O_ACCMODE) in (os.O_WRONLY, os.O_RDWR)
    return False


def _describe(pid: int) -> Holder:
    process = PROC / str(pid)
    try:
        user: str | None = pwd.getpwuid(process.stat().st_uid).pw_name
    except (OSError, KeyError):
        user = None
    try:
        raw = (process / "cmdline").read_bytes()
        # Arguments apart by spaces, on one line (a `python -c` script has newlines).
        command: str | None = " ".join(
            raw.replace(b"\0", b" ").decode(errors="replace").split()
        )
    except OSError:
        command = None
    if command and len(command) > COMMAND_SHOWN:
        command = command[: COMMAND_SHOWN - 3] + "..."
    return Holder(pid, user, command or None)
