"""Running steps for a command: under the data folder's lock, findings shown first,
failures as one line, the exit status, and the summary printed at the end."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click

from loaders import pipeline
from loaders.dbt import DbtError, run_dbt
from loaders.findings import EXIT_FINDINGS
from loaders.findings import render as render_findings
from loaders.lock import LockedError, pipeline_lock
from loaders.pipeline import PipelineFailed, Run, Step
from loaders.settings import SALT_ENV, ConfigError, Paths, salt_from_env
from loaders.summary import NothingToSummarize, summary_text

log = logging.getLogger(__name__)


class RunFailed(click.ClickException):
    """A step failed for a reason already explained; exit non-zero."""


def read_salt(*, allow_demo: bool) -> str:
    """The pseudonymization salt from the environment (the public demo salt only
    where allowed, with a warning)."""
    try:
        value, is_demo = salt_from_env(allow_demo=allow_demo)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if is_demo:
        log.warning(
            "%s is not set: using the PUBLIC DEMO SALT. Fine for the synthetic sample "
            "district; never for real students (anyone could reverse the pseudonyms).",
            SALT_ENV,
        )
    return value


def dbt(args: list[str], paths: Paths, salt: str) -> None:
    try:
        run_dbt(args, paths=paths, salt=salt, stream=True)
    except DbtError as error:
        raise RunFailed(str(error)) from None


def run_steps(run: Run, steps: Sequence[Step], *, show: bool = False) -> None:
    """Run the steps; findings first, then (with `show`) each step's time and
    result."""
    try:
        pipeline.run_steps(run, steps)
    except PipelineFailed as failed:
        _show_findings(failed.run)
        if show:
            click.echo("\n" + pipeline.render_steps(failed.run))
        not_published = any(
            outcome.name == "publish" and outcome.status != "done"
            for outcome in failed.run.outcomes
        )
        unchanged = f"\n{run.paths.serving_db} is unchanged." if not_published else ""
        status = next(o.status for o in failed.run.outcomes if o.name == failed.step)
        raise RunFailed(f"{failed.step} {status}: {failed.error}{unchanged}") from None
    _show_findings(run)
    if show:
        click.echo("\n" + pipeline.render_steps(run))


def _show_findings(run: Run) -> None:
    if run.findings:
        click.echo(render_findings(run.findings, published=run.published))


def exit_with_findings(run: Run) -> None:
    """Exit with status 3 when the run has findings (everything else done)."""
    if run.findings:
        sys.exit(EXIT_FINDINGS)


@contextmanager
def locked(paths: Paths, wait_seconds: float) -> Iterator[None]:
    try:
        with pipeline_lock(paths.lock_file, wait_seconds=wait_seconds):
            yield
    except LockedError as error:
        raise click.ClickException(str(error)) from None


def print_summary(paths: Paths) -> None:
    """The summary (loaders.summary), after a blank line."""
    try:
        text = summary_text(paths)
    except NothingToSummarize as error:
        raise click.ClickException(str(error)) from None
    click.echo("")
    click.echo(text)
