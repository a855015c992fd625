"""A fetch run's settings, and the transport they point at: SFTP, or a local drop
folder laid out like the server (`--from-dir`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loaders.settings import read_config_file, settings_from
from loaders.transports.base import Transport
from loaders.transports.local import LocalTransport
from loaders.transports.sftp import SECRET_KEYS, SftpSettings, SftpTransport


@dataclass(frozen=True)
class FetchSettings:
    """Each field comes from HE_FETCH_<FIELD> or the config file's [fetch] table."""

    settle_seconds: float = 120.0
    retries: int = 3
    retry_delay: float = 2.0
    # Reports dated within this many days of the newest report in their folder
    # (7: the newest date and the six before it) are downloaded and hashed again
    # even when their size and mtime are unchanged; 0 turns rechecking off.
    recheck_days: int = 7


def open_transport(
    *, from_dir: Path | None, config_file: Path | None
) -> tuple[Transport, FetchSettings]:
    """The transport and fetch settings from the environment and the config file.
    Raises loaders.settings.ConfigError when something is missing or unusable."""
    config = (
        read_config_file(config_file, secret_keys=SECRET_KEYS) if config_file else {}
    )
    settings = settings_from(
        FetchSettings, section="fetch", env_prefix="HE_FETCH_", config=config
    )
    if from_dir is not None:
        return LocalTransport(from_dir), settings
    sftp = settings_from(
        SftpSettings, section="sftp", env_prefix="HE_SFTP_", config=config
    )
    return SftpTransport(sftp), settings
