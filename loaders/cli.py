"""The one command line: `hybrid-engagement` (or `python -m loaders`).

Every option can also come from the environment variable shown in `--help`.
Secrets (the pseudonymization salt) come only from the environment.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from loaders import sources as source_registry
from loaders.dbt import DbtError, run_dbt
from loaders.fetch import FetchError, fetch, open_transport
from loaders.generate import DistrictSpec, generate
from loaders.load import LoadReport, load_landing
from loaders.lock import LockedError, pipeline_lock
from loaders.settings import SALT_ENV, ConfigError, Paths, salt_from_env
from loaders.summary import render, serving_counts

log = logging.getLogger("loaders")


class RunFailed(click.ClickException):
    """A step failed for a reason already explained; exit non-zero."""


def main() -> None:
    # Everything this tool creates (landing copies, DuckDB files and their WAL files)
    # is private to the account that runs it: the restricted data is personal data.
    os.umask(0o077)
    cli(prog_name="hybrid-engagement")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log every file and step.")
@click.option(
    "--data-dir",
    envvar="HE_DATA_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for landing/, restricted.duckdb and warehouse.duckdb "
    "[env HE_DATA_DIR; default ./data]. HE_LANDING_DIR, HE_RESTRICTED_DB and "
    "HE_WAREHOUSE_DB override single paths.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool, data_dir: Path | None) -> None:
    """Hybrid Engagement on DuckDB: OEA's Hybrid Student Engagement package on one
    laptop. Typical day: `hybrid-engagement fetch --build` (or `load` and `build`
    for files delivered into the landing folder by other means)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )
    # paramiko logs every handshake and prints tracebacks for failures we report
    # ourselves, in plain words.
    logging.getLogger("paramiko").setLevel(
        logging.INFO if verbose else logging.CRITICAL
    )
    ctx.obj = {"data_dir": data_dir}


def _paths(ctx: click.Context) -> Paths:
    return Paths.resolve(ctx.obj["data_dir"])


def _lock_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait",
        "wait_seconds",
        type=float,
        default=0.0,
        show_default=True,
        help="Seconds to wait for another run on the same data folder to finish.",
    )(command)


def _district_options(command: Callable[..., Any]) -> Callable[..., Any]:
    defaults = DistrictSpec()
    for option in reversed(
        (
            click.option("--seed", type=int, default=defaults.seed, show_default=True),
            click.option(
                "--students", type=int, default=defaults.students, show_default=True
            ),
            click.option(
                "--schools", type=int, default=defaults.schools, show_default=True
            ),
            click.option(
                "--days",
                type=int,
                default=defaults.days,
                show_default=True,
                help="School days (weekdays that are not holidays).",
            ),
            click.option(
                "--start",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                default=defaults.start.isoformat(),
                show_default=True,
                help="First calendar day.",
            ),
        )
    ):
        command = option(command)
    return command


def _spec(
    seed: int, students: int, schools: int, days: int, start: Any
) -> DistrictSpec:
    first_day = start.date() if hasattr(start, "date") else date.fromisoformat(start)
    try:
        return DistrictSpec(seed, students, schools, days, first_day)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@cli.command("generate")
@_district_options
@click.option(
    "--landing-dir",
    envvar="HE_LANDING_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the deliveries [env HE_LANDING_DIR; default <data>/landing].",
)
@click.pass_context
def generate_command(
    ctx: click.Context, landing_dir: Path | None, **district: Any
) -> None:
    """Write a synthetic sample district's deliveries into a landing tree, in the
    formats and file names the source systems use. Same seed, same bytes."""
    target = landing_dir or _paths(ctx).landing_dir
    counts = generate(_spec(**district), target)
    for source, reports in counts.items():
        for report, rows in reports.items():
            click.echo(f"{source}/{report}: {rows:,} rows")
    click.echo(f"written below {target}")


@cli.command("load")
@click.argument("source_names", nargs=-1, metavar="[SOURCE]...")
@click.option(
    "--landing-dir",
    envvar="HE_LANDING_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder with one sub-folder per source laid out as delivered, e.g. a drop "
    "folder [env HE_LANDING_DIR; default <data>/landing].",
)
@_lock_option
@click.pass_context
def load_command(
    ctx: click.Context,
    source_names: tuple[str, ...],
    landing_dir: Path | None,
    wait_seconds: float,
) -> None:
    """Load new files of SOURCE (default: all) into restricted.duckdb. Exits non-zero
    if any file is quarantined."""
    paths = _paths(ctx)
    if landing_dir:
        paths = Paths(paths.data_dir, landing_dir.resolve(), *_dbs(paths))
    with _locked(paths, wait_seconds):
        _load(paths, source_names)


def _dbs(paths: Paths) -> tuple[Path, Path]:
    return paths.restricted_db, paths.warehouse_db


def _load(paths: Paths, source_names: tuple[str, ...]) -> LoadReport:
    try:
        chosen = source_registry.select(source_names)
    except KeyError as error:
        raise click.BadParameter(str(error.args[0])) from None
    report = load_landing(paths.landing_dir, paths.restricted_db, chosen)
    log.info("load: %s", report.summary())
    if report.quarantined:
        listing = "\n".join(
            f"  {o.relative_path}: {o.reason}" for o in report.quarantined
        )
        raise RunFailed(
            f"{len(report.quarantined)} file(s) quarantined; nothing of them was "
            f"loaded:\n{listing}\nReplace each with a corrected delivery (same name) "
            "or remove it, then run again."
        )
    return report


@cli.command("fetch")
@click.option(
    "--config",
    "config_file",
    envvar="HE_FETCH_CONFIG",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file with [sftp] and [fetch] settings, kept outside git "
    "[env HE_FETCH_CONFIG]. HE_SFTP_* and HE_FETCH_* variables override it.",
)
@click.option(
    "--from-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Mirror this local drop folder (laid out like the SFTP server) instead "
    "of connecting to SFTP.",
)
@click.option(
    "--load/--no-load",
    default=True,
    show_default=True,
    help="Load what was fetched (`load` alone loads later).",
)
@click.option(
    "--build", is_flag=True, help="Then run `dbt build`, under the same lock."
)
@_lock_option
@click.pass_context
def fetch_command(
    ctx: click.Context,
    config_file: Path | None,
    from_dir: Path | None,
    load: bool,
    build: bool,
    wait_seconds: float,
) -> None:
    """Fetch Clever's new and changed report files from its SFTP server into
    <landing>/clever/, each once, then load them. Connection settings: HE_SFTP_HOST,
    _PORT, _USER, _KEY, _KEY_PASSPHRASE, _PASSWORD, _ROOT, _KNOWN_HOSTS (see the
    README). Exits non-zero if any report file was left unfetched or unloaded."""
    paths = _paths(ctx)
    salt = _salt(allow_demo=False) if build else None
    try:
        transport, settings = open_transport(from_dir=from_dir, config_file=config_file)
    except (ConfigError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    with _locked(paths, wait_seconds):
        try:
            report = fetch(
                transport, source_registry.SOURCES["clever"], paths, settings, load=load
            )
        except FetchError as error:
            raise RunFailed(str(error)) from None
        click.echo(report.summary())
        if build and salt is not None:
            _dbt(["build"], paths, salt)
    if report.failures:
        raise RunFailed(report.failure_message())


@cli.command("build", context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@_lock_option
@click.pass_context
def build_command(
    ctx: click.Context, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run `dbt build` (models, seeds and every test) on the configured files; extra
    arguments go to dbt, e.g. `build -s staging.clever+`."""
    paths = _paths(ctx)
    salt = _salt(allow_demo=False)
    with _locked(paths, wait_seconds):
        _dbt(["build", *dbt_args], paths, salt)


@cli.command("dbt", context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED)
@_lock_option
@click.pass_context
def dbt_command(
    ctx: click.Context, dbt_args: tuple[str, ...], wait_seconds: float
) -> None:
    """Run any dbt command against the configured files, e.g. `dbt test`,
    `dbt docs generate`, `dbt source freshness`."""
    paths = _paths(ctx)
    salt = _salt(allow_demo=False)
    with _locked(paths, wait_seconds):
        _dbt(list(dbt_args), paths, salt)


@cli.command("summary")
@click.pass_context
def summary_command(ctx: click.Context) -> None:
    """Print the serving views' row counts and how to open the warehouse."""
    _print_summary(_paths(ctx))


@cli.command("demo")
@_district_options
@click.option(
    "--data-dir",
    "demo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="The demo's own folder; HE_* path variables are ignored so the demo never "
    "touches a district's data.",
)
@_lock_option
def demo_command(demo_dir: Path, wait_seconds: float, **district: Any) -> None:
    """Everything end to end on a generated sample district: generate, load,
    `dbt build`, summary. Safe to run again: the second run changes no counts."""
    paths = Paths.resolve(demo_dir, use_env=False)
    salt = _salt(allow_demo=True)
    with _locked(paths, wait_seconds):
        generate(_spec(**district), paths.landing_dir)
        _load(paths, ())
        _dbt(["build"], paths, salt)
    _print_summary(paths)


def _salt(*, allow_demo: bool) -> str:
    try:
        salt, is_demo = salt_from_env(allow_demo=allow_demo)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if is_demo:
        log.warning(
            "%s is not set: using the PUBLIC DEMO SALT. Fine for the synthetic sample "
            "district; never for real students (anyone could reverse the pseudonyms).",
            SALT_ENV,
        )
    return salt


def _dbt(args: list[str], paths: Paths, salt: str) -> None:
    try:
        run_dbt(args, paths, salt)
    except DbtError as error:
        raise RunFailed(str(error)) from None


@contextmanager
def _locked(paths: Paths, wait_seconds: float) -> Iterator[None]:
    try:
        with pipeline_lock(paths.lock_file, wait_seconds=wait_seconds):
            yield
    except LockedError as error:
        raise click.ClickException(str(error)) from None


def _print_summary(paths: Paths) -> None:
    if not paths.warehouse_db.exists():
        raise click.ClickException(f"no warehouse yet at {paths.warehouse_db}")
    click.echo("")
    click.echo(render(paths.warehouse_db, serving_counts(paths.warehouse_db)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
