"""Running the product the way a user does: the real CLI in a subprocess, with only
the HE_* variables a test gives it (and the test salt)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]

# A fresh salt per test session: tests compute expected pseudonyms from it with hashlib.
# (pytest-xdist workers share it through the environment, see conftest.py.)
TEST_SALT = os.environ.get("HE_TEST_SALT") or secrets.token_hex(24)

# dbt's artifacts: one folder per parallel test worker, so that builds running side
# by side never write the same manifest or run results.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DBT_TARGET = PROJECT_DIR / (f"target/pytest-{_WORKER}" if _WORKER else "target")
DBT_LOGS = PROJECT_DIR / (f"logs/pytest-{_WORKER}" if _WORKER else "logs")


def run_cli(
    *args: str,
    data_dir: Path | None = None,
    salt: str | None = TEST_SALT,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m loaders [--data-dir D] ARGS` the way a user would, with only
    the HE_* variables given in `env` (and the salt)."""
    environment = cli_env(salt, env)
    command = [sys.executable, "-m", "loaders"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def cli_env(salt: str | None = TEST_SALT, extra: dict[str, str] | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HE_") and k != "SSH_AUTH_SOCK"
    }
    env["DBT_TARGET_PATH"] = str(DBT_TARGET.relative_to(PROJECT_DIR))
    env["DBT_LOG_PATH"] = str(DBT_LOGS)
    # The test districts are tiny: two dbt threads overlap dbt's own work per node.
    # (The default, one, leaves a district's large models the whole memory limit.)
    env["HE_DBT_THREADS"] = "2"
    if salt is not None:
        env["HE_PSEUDONYM_SALT"] = salt
    env.update(extra or {})
    return env


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"exit {result.returncode}\n--- stdout\n{result.stdout[-6000:]}"
        f"\n--- stderr\n{result.stderr[-6000:]}"
    )
    return result


# The CLI's exit status when everything that arrived was loaded (and built and
# published) but the deliveries have findings (loaders/findings.py).
FINDINGS_EXIT = 3


def with_findings(
    result: subprocess.CompletedProcess[str],
) -> subprocess.CompletedProcess[str]:
    """The run did its work and ended "with findings"."""
    assert result.returncode == FINDINGS_EXIT, (
        f"exit {result.returncode}, expected {FINDINGS_EXIT} (with findings)\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}"
    )
    return result
