"""The README's quick start, run as written: every shell line of its `sh` blocks, in
order, in a fresh folder (a new demo), with nothing set beforehand. Only `make test`
is left out: it is what runs this test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from helpers.cli import PROJECT_DIR, cli_env

pytestmark = pytest.mark.slow

README = PROJECT_DIR / "README.md"


def quick_start_lines() -> list[str]:
    """The shell lines of the quick start's `sh` blocks, `make test` left out."""
    text = README.read_text()
    section = text[text.index("## Quick start") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    return [line for line in lines if not line.startswith("make test")]


def fresh_checkout(folder: Path) -> Path:
    """A folder a user would run the quick start in: the Makefile, pyproject.toml and
    the project's installed .venv; everything the commands write stays in it. The
    copy of pyproject.toml is dated with the installation, so make finds it up to date
    and never reinstalls the project's environment from this folder."""
    installed = PROJECT_DIR / ".venv" / ".installed"
    if not installed.exists():
        pytest.skip("the project is not installed: run `make install` first")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(PROJECT_DIR / name, folder / name)
    stamp = installed.stat().st_mtime_ns
    os.utime(folder / "pyproject.toml", ns=(stamp, stamp))
    (folder / ".venv").symlink_to(PROJECT_DIR / ".venv")
    return folder


def test_every_quick_start_command_works_as_written() -> None:
    # GIVEN the quick start's commands and a fresh folder, no HE_* variable set
    lines = quick_start_lines()
    assert lines[0] == "make demo" or lines[0].startswith("make demo ")
    assert any("--vars" in line for line in lines)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    folder = fresh_checkout(PROJECT_DIR / "build" / f"quick-start-{worker}")
    # WHEN they run one after the other, as a user pastes them
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(lines)],
        cwd=folder,
        env=cli_env(salt=None),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    # THEN every one worked
    assert result.returncode == 0, output[-6000:]
    # AND the demo ran in that folder and printed commands that work as printed
    demo = folder / "data" / "demo"
    assert (demo / "serving.duckdb").is_file()
    # (here .venv is a link to the project's, so its path is printed absolute)
    printed = r"  \S*\.venv/bin/duckdb -readonly data/demo/serving\.duckdb"
    assert re.search(printed, output)
    assert "export HE_DATA_DIR=data/demo HE_PSEUDONYM_SALT=" in output
    # AND the Python and DuckDB CLI lines showed the published tables
    assert "engagement_by_school" not in result.stderr
    assert re.search(r"school_name\s*│", result.stdout)
    assert "event_eventTime" in result.stdout
    # AND the build with other settings passed, was published and drawn
    assert "dbt build passed" in output
    page = (demo / "report" / "index.html").read_text()
    data = re.search(r'id="report-data">(.*?)</script>', page, re.DOTALL)
    settings = json.loads(data.group(1))["settings"]
    assert (settings["minimum"], settings["chronic_threshold"]) == (5, 0.85)
    assert "Published for BI tools:" in result.stdout
    # AND the demo shows what it is meant to: students whose engagement dropped
    with duckdb.connect(str(demo / "serving.duckdb"), read_only=True) as conn:
        dropped = conn.execute(
            "select count(*) from sqls3_hybrid_engagement.engagement_drop"
        ).fetchone()[0]
    assert dropped >= 5
    shutil.rmtree(folder, ignore_errors=True)
