"""Folders built once per test run, however many pytest-xdist workers ask for them.

The first worker to ask builds the folder under a lock in the run's common temporary
folder; the others wait for it and then use the same files. Tests only read such a
folder (a test that changes a district works on a copy, see
helpers.district.copy_district).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

READY = ".ready"


def shared_folder(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """`build(folder)` once per test run; return the folder."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # workers' temporary folders share this parent
    folder = root / f"shared-{name}"
    with (root / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / READY).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            (folder / READY).touch()
    return folder
