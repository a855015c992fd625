"""The options several commands share, as click decorators, and turning their
values into the loaders' settings (paths, the sample district's spec)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from loaders.generate import DistrictSpec
from loaders.settings import Paths

Command = Callable[..., Any]


def paths_of(ctx: click.Context) -> Paths:
    """The data folder's paths, from the group's --data-dir and HE_* variables."""
    return Paths.resolve(ctx.obj["data_dir"])


def lock_option(command: Command) -> Command:
    return click.option(
        "--wait",
        "wait_seconds",
        type=float,
        default=0.0,
        show_default=True,
        help="Seconds to wait for another run on the same data folder to finish.",
    )(command)


def district_options(command: Command) -> Command:
    """The sample district's size and seed (`generate`, `demo`); see district_spec."""
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
                help="First calendar day of the latest school year.",
            ),
            click.option(
                "--years",
                type=int,
                default=defaults.years,
                show_default=True,
                help="School years, the latest starting on --start, each earlier "
                "one 52 weeks before the next; --days school days each.",
            ),
        )
    ):
        command = option(command)
    return command


def district_spec(
    seed: int, students: int, schools: int, days: int, start: Any, years: int
) -> DistrictSpec:
    """The values of district_options as a DistrictSpec; a bad one is a usage error."""
    first_day = start.date() if hasattr(start, "date") else date.fromisoformat(start)
    try:
        return DistrictSpec(seed, students, schools, days, first_day, years)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def fetch_config_option(command: Command) -> Command:
    return click.option(
        "--config",
        "config_file",
        envvar="HE_FETCH_CONFIG",
        type=click.Path(dir_okay=False, path_type=Path),
        help="TOML file with [sftp] and [fetch] settings, kept outside git "
        "[env HE_FETCH_CONFIG]. HE_SFTP_* and HE_FETCH_* variables override it.",
    )(command)


def postgres_options(command: Command) -> Command:
    command = click.option(
        "--postgres-reader",
        envvar="HE_POSTGRES_READER",
        metavar="ROLE",
        help="PostgreSQL role (your BI tools' login) granted read access to the new "
        "tables on every publish [env HE_POSTGRES_READER].",
    )(command)
    return click.option(
        "--postgres",
        "postgres_url",
        envvar="HE_POSTGRES_URL",
        metavar="URL",
        help="Also copy the published tables into this PostgreSQL database, e.g. "
        "postgresql://he@db.example.org/engagement (keep the password in "
        "~/.pgpass or PGPASSWORD, not in the URL) [env HE_POSTGRES_URL].",
    )(command)
