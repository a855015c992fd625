"""Where things live and which secret to hash with, resolved once from the environment.

Every path can be set on its own; by default all of them sit under one data folder:

    HE_DATA_DIR        data folder (default ./data)
    HE_LANDING_DIR     delivered files, a sub-folder per source (<data>/landing)
    HE_RESTRICTED_DB   raw tables, manifest, rejects, lookups (<data>/restricted.duckdb)
    HE_WAREHOUSE_DB    dbt's target: staging to serving views (<data>/warehouse.duckdb)
    HE_SERVING_DB      what BI tools open: the published serving tables
                       (<data>/serving.duckdb; its docs site goes beside it, in docs/,
                       and the HTML report in report/)
    HE_PSEUDONYM_SALT  the pseudonyms' secret key (at least 16 bytes, no default)
    HE_MEMORY_LIMIT    memory each step may use (default 4GB); DuckDB gets three
                       quarters of it and spills to disk beyond that
    HE_RECHECK_DAYS    reports of the last N report dates are hashed again on every
                       run, even with the same size, mtime, ctime and inode (default
                       0: off)
    HE_SERVING_STORAGE_VERSION  oldest DuckDB that must open serving.duckdb (v1.5.0)
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar, get_args, get_type_hints

T = TypeVar("T")

SALT_ENV = "HE_PSEUDONYM_SALT"
MIN_SALT_BYTES = 16

# The sample district is synthetic, so it may use a salt everybody knows. Nothing else
# may: real pseudonyms made with a public salt can be reversed by anyone with a roster.
DEMO_SALT = "demo-salt-for-the-synthetic-sample-district-only"

PROJECT_DIR = Path(__file__).resolve().parent.parent

MEMORY_LIMIT_ENV = "HE_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
# What `run_dbt` hands profiles.yml: duckdb_memory_limit(), DuckDB's share.
DUCKDB_MEMORY_LIMIT_ENV = "HE_DUCKDB_MEMORY_LIMIT"

RECHECK_DAYS_ENV = "HE_RECHECK_DAYS"
# Off by default: size, mtime, inode change time and inode already see every local
# rewrite (loaders/manifest.py). For file systems that do not keep them (some network
# mounts); at 100,000 students, 7 days cost 14.5 s of hashing on every run.
DEFAULT_RECHECK_DAYS = 0

SERVING_STORAGE_ENV = "HE_SERVING_STORAGE_VERSION"
# Readable by DuckDB 1.5 and newer: the DuckDB inside most BI connectors is 1.x, and
# DuckDB 2.0's own format (its default) cannot be opened by any 1.x.
DEFAULT_SERVING_STORAGE = "v1.5.0"


def memory_limit() -> str:
    """HE_MEMORY_LIMIT as given: what every step (one process) may use, so a
    district-year runs on a laptop beside other work."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


# DuckDB's share of HE_MEMORY_LIMIT. The rest is for what its limit does not count:
# dbt's and Python's own memory and DuckDB's allocations outside its buffer manager
# (about 0.7 GiB beside a full 4 GB buffer in the 100,000-student build).
DUCKDB_SHARE = 0.75


def duckdb_memory_limit() -> str:
    """The memory_limit every DuckDB connection of ours gets: DUCKDB_SHARE of
    HE_MEMORY_LIMIT, in DuckDB's own notation (e.g. 2861MiB for 4GB)."""
    text = memory_limit()
    # The units DuckDB reads: B, KB or K (1000), KiB (1024), ... up to TB and TiB.
    match = re.fullmatch(
        r"\s*(\d+(?:\.\d+)?)\s*(bytes?|b|([kmgt])(i?)b?)\s*", text, re.IGNORECASE
    )
    if not match:
        raise ConfigError(
            f"{MEMORY_LIMIT_ENV}={text!r} is not an amount of memory such as 4GB, "
            "8GiB or 2500MB."
        )
    _, _, prefix, binary = match.groups()
    unit = (
        (1024 if binary else 1000) ** ("kmgt".index(prefix.lower()) + 1)
        if prefix
        else 1
    )
    return f"{int(float(match[1]) * unit * DUCKDB_SHARE / 2**20)}MiB"


def recheck_days() -> int:
    """How many days of recent reports are hashed again on every run, even when
    their size, mtime, ctime and inode are unchanged (for file systems that do not
    keep the last two); 0, the default, hashes only files that changed."""
    text = os.environ.get(RECHECK_DAYS_ENV) or str(DEFAULT_RECHECK_DAYS)
    if not text.isascii() or not text.isdigit():
        raise ConfigError(
            f"{RECHECK_DAYS_ENV}={text!r} is not a whole number of days (e.g. 7)."
        )
    return int(text)


def serving_storage_version() -> str:
    """The DuckDB storage format serving.duckdb is written in: the oldest DuckDB
    version that must open it (e.g. v1.0.0 for a BI tool that bundles DuckDB 1.0)."""
    version = os.environ.get(SERVING_STORAGE_ENV) or DEFAULT_SERVING_STORAGE
    if not re.fullmatch(r"v\d+\.\d+\.\d+", version):
        raise ConfigError(
            f"{SERVING_STORAGE_ENV}={version!r} is not a DuckDB version such as "
            f"{DEFAULT_SERVING_STORAGE}."
        )
    return version


class ConfigError(Exception):
    """A setting is missing or unusable; the message says which and how to fix it."""


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    landing_dir: Path
    restricted_db: Path
    warehouse_db: Path
    serving_db: Path

    @classmethod
    def resolve(
        cls,
        data_dir: str | Path | None = None,
        *,
        use_env: bool = True,
    ) -> Paths:
        """Paths from explicit arguments, then HE_* variables, then defaults.

        `use_env=False` ignores the HE_* path variables, so the demo never writes into
        a district's configured data folder.
        """
        env = os.environ if use_env else {}
        base = Path(data_dir or env.get("HE_DATA_DIR") or "data").resolve()
        return cls(
            data_dir=base,
            landing_dir=_path(env, "HE_LANDING_DIR", base / "landing"),
            restricted_db=_path(env, "HE_RESTRICTED_DB", base / "restricted.duckdb"),
            warehouse_db=_path(env, "HE_WAREHOUSE_DB", base / "warehouse.duckdb"),
            serving_db=_path(env, "HE_SERVING_DB", base / "serving.duckdb"),
        )

    @property
    def lock_file(self) -> Path:
        return self.data_dir / ".pipeline.lock"

    @property
    def build_passed_file(self) -> Path:
        """Written after a full `dbt build` passed; removed when a dbt command that
        writes or tests the warehouse starts. `publish` requires it."""
        return self.warehouse_db.with_name(self.warehouse_db.name + ".passed")

    @property
    def built_docs_file(self) -> Path:
        """The docs site of the last build, kept beside the warehouse until that
        build is published."""
        return self.warehouse_db.with_name(self.warehouse_db.name + ".docs.html")

    @property
    def docs_file(self) -> Path:
        """The static dbt docs site, beside the published file it describes."""
        return self.serving_db.parent / "docs" / "index.html"

    @property
    def report_file(self) -> Path:
        """The HTML report (charts of the serving tables), beside the published file."""
        return self.serving_db.parent / "report" / "index.html"

    def dbt_env(self) -> dict[str, str]:
        """The variables profiles.yml reads."""
        return {
            "HE_WAREHOUSE_DB": str(self.warehouse_db),
            "HE_RESTRICTED_DB": str(self.restricted_db),
        }


def _path(env: os._Environ[str] | dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).resolve() if value else default


def salt_from_env(*, allow_demo: bool = False) -> tuple[str, bool]:
    """The pseudonymization salt and whether it is the public demo salt.

    Raises ConfigError when the salt is missing (outside the demo) or too short.
    """
    salt = os.environ.get(SALT_ENV)
    if salt is None or salt == "":
        if allow_demo:
            return DEMO_SALT, True
        raise ConfigError(
            f"{SALT_ENV} is not set. It is the secret key of every pseudonym: "
            "generate one once (for example `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`), keep it in your secret store, and "
            "export it before running. Keep it forever: a new salt gives new "
            "pseudonyms."
        )
    check_salt(salt)
    return salt, salt == DEMO_SALT


def check_salt(salt: str) -> None:
    if len(salt.encode()) < MIN_SALT_BYTES:
        raise ConfigError(
            f"{SALT_ENV} is {len(salt.encode())} bytes long; use at least "
            f"{MIN_SALT_BYTES} random bytes so pseudonyms cannot be guessed."
        )


def read_config_file(path: Path, *, secret_keys: frozenset[str]) -> dict[str, Any]:
    """A TOML settings file (keep it outside git). A file holding a secret (one of
    `secret_keys` in any table) must be readable by its owner only, like an SSH key."""
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    holds_secret = any(
        key in secret_keys
        for table in config.values()
        if isinstance(table, dict)
        for key in table
    )
    if holds_secret and path.stat().st_mode & 0o077:
        raise ConfigError(
            f"config file {path} holds a password or passphrase and other users can "
            f"read it: run `chmod 600 {path}`."
        )
    return config


def settings_from(
    cls: type[T],
    *,
    section: str,
    env_prefix: str,
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> T:
    """Build the settings dataclass `cls` field by field: the environment variable
    <env_prefix><FIELD> wins, then key <field> of the config file's [section] table,
    then the field's default. Values are converted to the field's type; a value that
    does not convert, or an unknown key in the table, is a ConfigError naming it."""
    env = os.environ if env is None else env
    table = dict((config or {}).get(section) or {})
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(table) - names)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in the config file's [{section}] table: "
            f"{', '.join(unknown)}; known: {', '.join(sorted(names))}"
        )
    values: dict[str, Any] = {}
    for name in names:
        variable = env_prefix + name.upper()
        if env.get(variable):
            raw, origin = env[variable], variable
        elif name in table:
            raw, origin = table[name], f"[{section}] {name} in the config file"
        else:
            continue
        values[name] = _convert(raw, hints[name], origin)
    return cls(**values)


def _convert(raw: Any, hint: Any, origin: str) -> Any:
    wanted = next(t for t in get_args(hint) or (hint,) if t is not type(None))
    try:
        if wanted is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(text)
            return text in ("1", "true", "yes")
        if wanted is Path:
            return Path(str(raw)).expanduser()
        value = wanted(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: expected {getattr(wanted, '__name__', wanted)}, got {raw!r}"
        ) from None
    if isinstance(value, int | float) and value < 0:
        raise ConfigError(f"{origin}: must not be negative, got {raw!r}")
    return value
