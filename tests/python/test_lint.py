"""The house linters (`make lint`: ruff, the project check, sqlfluff) as one test, so
that `make test` runs them beside the other tests instead of before them."""

from __future__ import annotations

import subprocess

from helpers.cli import PROJECT_DIR


def test_the_code_passes_the_house_linters() -> None:
    # WHEN `make lint` runs on the working tree
    lint = subprocess.run(
        ["make", "--no-print-directory", "lint"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # THEN every linter passes (their findings are the failure's message)
    assert lint.returncode == 0, lint.stdout + lint.stderr
