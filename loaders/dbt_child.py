"""dbt in a child process: one or more dbt commands, the project parsed once.

    python -m loaders.dbt_child '[["build"], ["docs", "generate", "--static"]]'

Started by loaders/dbt.py in the data folder with the run's environment. dbt-duckdb
keeps its DuckDB connection open for the life of the process, so running dbt in a
child means the files are free the moment it exits. Running the run's commands in one
child means dbt starts and parses the project once per run, not once per command.

dbt's own per-node lines go to its log file (logs/dbt.log); the terminal gets one
progress line (nodes done of total, elapsed) or, when it is not a terminal, a line
every 10 s; a failure names the failing nodes with their messages and the log's
path. HE_DBT_VERBOSE=1 streams dbt's output instead. After each command its
run_results.json is kept as run_results.<command>.json beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from loaders import spark_salt

VERBOSE_ENV = "HE_DBT_VERBOSE"
FAILED = frozenset({"error", "fail", "runtime error"})


class _Progress:
    """Nodes finished of the total dbt announced, on one line."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.done = 0
        self.total = 0
        self.started = time.monotonic()
        self.interactive = sys.stderr.isatty()
        self.last_line = self.started

    def __call__(self, event: Any) -> None:
        name = event.info.name
        data = event.data
        total = getattr(data, "total", 0)
        if total:
            self.total = max(self.total, total)
        if name == "NodeFinished":
            self.done += 1
            self._show()

    def _show(self, final: bool = False) -> None:
        now = time.monotonic()
        text = (
            f"dbt {self.command}: {self.done:,}"
            f"{f' of {self.total:,}' if self.total else ''} nodes, "
            f"{now - self.started:,.0f} s"
        )
        if self.interactive:
            sys.stderr.write("\r" + text + ("\n" if final else ""))
            sys.stderr.flush()
        elif final or now - self.last_line >= 10:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            self.last_line = now

    def close(self) -> None:
        self._show(final=True)


def main(argv: list[str]) -> int:
    commands: list[list[str]] = json.loads(argv[1])
    verbose = os.environ.get(VERBOSE_ENV) == "1"
    from dbt.cli.main import dbtRunner

    quiet = [] if verbose else ["--quiet"]
    # Parsed with the commands' --vars: descriptions (the published comments, the
    # docs site) render the vars at parse time, so they state the build's settings.
    parsed = dbtRunner().invoke([*quiet, "parse", *_vars_of(commands)])
    if not parsed.success:
        _explain_failure("parse", parsed)
        return 1
    manifest = parsed.result
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    # On Spark: the salt, set on the in-process session once dbt has started it.
    salt_callbacks = spark_salt.callbacks()
    for args in commands:
        # The command's name only ("dbt build: ..."), not its first option (a build
        # that leaves passed unit tests out printed "dbt build --exclude-...").
        progress = _Progress(args[0] if args[0] != "docs" else " ".join(args[:2]))
        callbacks = [*salt_callbacks, *([] if verbose else [progress])]
        result = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(
            [*quiet, *args]
        )
        if not verbose:
            progress.close()
        results = target / "run_results.json"
        if results.exists():
            shutil.copyfile(results, target / f"run_results.{args[0]}.json")
        if not result.success:
            _explain_failure(" ".join(args), result)
            return 1
    return 0


def _vars_of(commands: list[list[str]]) -> list[str]:
    """The first `--vars X` (or `--vars=X`) among the commands' arguments."""
    for args in commands:
        for n, arg in enumerate(args):
            if arg == "--vars" and n + 1 < len(args):
                return [arg, args[n + 1]]
            if arg.startswith("--vars="):
                return [arg]
    return []


def _explain_failure(command: str, result: Any) -> None:
    """The failing nodes and their messages (or dbt's exception), and where the
    whole log is."""
    lines = [f"dbt {command} failed"]
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", ""))
        if status in FAILED:
            message = " ".join(str(node.message or "").split())
            lines.append(f"  {status}: {node.node.unique_id}: {message}")
    if result.exception is not None:
        lines.append(f"  {type(result.exception).__name__}: {result.exception}")
    log_path = Path(os.environ.get("DBT_LOG_PATH", "logs")) / "dbt.log"
    lines.append(f"  dbt's log: {log_path}")
    sys.stderr.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
