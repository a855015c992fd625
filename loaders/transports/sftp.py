"""SFTP with paramiko, failing closed.

The server's host key must already be pinned in a known_hosts file of our own
(HE_SFTP_KNOWN_HOSTS): paramiko's RejectPolicy refuses any other, before anything
about us (user name, key, password) is sent, and the message shows the offered key's
fingerprint and the exact line that would pin it. The user's ~/.ssh and any SSH agent
are never consulted unless asked (HE_SFTP_USE_AGENT). Every wait is bounded:
HE_SFTP_CONNECT_TIMEOUT covers the TCP connection, the server's SSH greeting and the
key exchange; HE_SFTP_TIMEOUT covers authentication, opening the SFTP channel and
each read; a keepalive notices a dead connection. Secrets (password, key passphrase)
are never logged or stored.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import paramiko

from loaders.settings import ConfigError
from loaders.transports.base import (
    Readable,
    RefusedError,
    RemoteFile,
    TransientError,
    Transport,
    join,
)

log = logging.getLogger(__name__)

ENV_PREFIX = "HE_SFTP_"
SECRET_KEYS = frozenset({"password", "key_passphrase"})

# Read requests paramiko keeps in flight while downloading a file (32 KB each).
MAX_READ_AHEAD = 64


@dataclass(frozen=True)
class SftpSettings:
    """Connection settings; each field comes from HE_SFTP_<FIELD> or the config
    file's [sftp] table (see loaders.settings.settings_from)."""

    host: str | None = None
    port: int = 22
    user: str | None = None
    key: Path | None = None
    key_passphrase: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    root: str = ""  # relative to the folder the server logs us into
    known_hosts: Path | None = None
    connect_timeout: float = 30.0
    timeout: float = 60.0
    keepalive: float = 30.0
    use_agent: bool = False

    def check(self) -> None:
        missing = [
            f"{ENV_PREFIX}{name.upper()}"
            for name in ("host", "user")
            if not getattr(self, name)
        ]
        if missing:
            raise ConfigError(
                f"SFTP settings missing: {', '.join(missing)} (environment or the "
                "[sftp] table of --config)"
            )
        if not (self.key or self.password or self.use_agent):
            raise ConfigError(
                f"no SFTP credential: set {ENV_PREFIX}KEY (a private key file) or "
                f"{ENV_PREFIX}PASSWORD"
            )
        if self.key and not self.key.is_file():
            raise ConfigError(f"{ENV_PREFIX}KEY: no private key file at {self.key}")


class SftpTransport(Transport):
    def __init__(self, settings: SftpSettings) -> None:
        settings.check()
        self.settings = settings
        self.host = str(settings.host)
        self.identity = f"sftp://{settings.user}@{self.host}:{settings.port}"
        self.root = settings.root
        self._pkey = _private_key(settings)
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def connect(self) -> None:
        self.close()
        settings = self.settings
        client = paramiko.SSHClient()
        if settings.known_hosts and settings.known_hosts.is_file():
            # Loaded as data only: paramiko never writes a file it did not load by
            # name, and nothing here ever adds a key.
            client.get_host_keys().load(str(settings.known_hosts))
        policy = _RejectAndRemember()
        client.set_missing_host_key_policy(policy)
        try:
            client.connect(
                self.host,
                port=settings.port,
                username=settings.user,
                password=settings.password,
                pkey=self._pkey,
                timeout=settings.connect_timeout,
                banner_timeout=settings.connect_timeout,
                auth_timeout=settings.timeout,
                channel_timeout=settings.timeout,
                allow_agent=settings.use_agent,
                look_for_keys=False,
            )
            transport = client.get_transport()
            assert transport is not None
            transport.set_keepalive(max(1, round(settings.keepalive)))
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(settings.timeout)
        except paramiko.BadHostKeyException as error:
            client.close()
            raise RefusedError(
                self._changed_key(error.key, error.expected_key)
            ) from None
        except paramiko.AuthenticationException as error:
            client.close()
            raise RefusedError(self._auth_failed(error)) from None
        except TimeoutError:
            client.close()
            raise TransientError(
                f"timed out connecting to {self.host}:{settings.port}"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as error:
            handshake = client.get_transport()
            greeted = bool(handshake and handshake.remote_version)
            client.close()
            if policy.offered is not None:
                raise RefusedError(self._unknown_key(policy.offered)) from None
            raise TransientError(
                f"cannot connect to {self.host}:{settings.port}: "
                + self._connect_failure(error, greeted)
            ) from None
        self._client, self._sftp = client, sftp
        log.debug("connected to %s", self.identity)

    def close(self) -> None:
        for closable in (self._sftp, self._client):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # closing a dead connection can fail any way
                    log.debug("ignored an error while closing", exc_info=True)
        self._client = self._sftp = None

    def list(self, folder: str) -> list[RemoteFile]:
        path = join(self.root, folder)
        with self._errors():
            entries = self._session().listdir_attr(path)
        return [self._entry(join(path, attrs.filename), attrs) for attrs in entries]

    def lstat(self, path: str) -> RemoteFile:
        with self._errors():
            attrs = self._session().lstat(path)
        return self._entry(path, attrs)

    @contextmanager
    def open(self, path: str, size: int) -> Iterator[Readable]:
        with self._errors():
            remote = self._session().open(path, "rb")
            try:
                remote.prefetch(size, max_concurrent_requests=MAX_READ_AHEAD)
                yield _Translated(remote, self)
            finally:
                try:
                    remote.close()
                except Exception:
                    log.debug("ignored an error while closing %s", path, exc_info=True)

    def _session(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise TransientError("not connected")
        return self._sftp

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Missing and forbidden files stay what they are; anything else the
        connection throws is transient (retry on a new connection)."""
        try:
            yield
        except (FileNotFoundError, PermissionError, TransientError):
            raise
        except OSError as error:
            if error.errno in (errno.ENOENT, errno.EACCES, errno.EPERM):
                raise
            raise TransientError(_describe(error, self.settings.timeout)) from None
        except (paramiko.SSHException, EOFError) as error:
            raise TransientError(_describe(error, self.settings.timeout)) from None

    @staticmethod
    def _entry(path: str, attrs: paramiko.SFTPAttributes) -> RemoteFile:
        return RemoteFile(
            path=path,
            name=getattr(attrs, "filename", "") or path.rsplit("/", 1)[-1],
            kind=RemoteFile.kind_of(attrs.st_mode),
            size=attrs.st_size or 0,
            mtime=datetime.fromtimestamp(attrs.st_mtime or 0, UTC).replace(tzinfo=None),
        )

    # -- messages that say what happened and what to do -----------------------

    def _connect_failure(self, error: BaseException, greeted: bool) -> str:
        """paramiko reports a silent server as a banner error, or (when its own
        handshake timer runs out first) as a missing session; say what it means."""
        seconds = f"{self.settings.connect_timeout:g} s"
        if isinstance(error, paramiko.SSHException):
            if not greeted:
                return f"the server sent no SSH greeting within {seconds}"
            if "session" in str(error) or "timed out" in str(error):
                return f"the SSH handshake did not finish within {seconds}"
        return _describe(error, self.settings.connect_timeout)

    def _host_label(self) -> str:
        port = self.settings.port
        return self.host if port == 22 else f"[{self.host}]:{port}"

    def _pin_advice(self, offered: paramiko.PKey) -> str:
        known_hosts = self.settings.known_hosts
        target = str(known_hosts) if known_hosts else "a known_hosts file"
        port = self.settings.port
        keyscan = (
            f"ssh-keyscan {'' if port == 22 else f'-p {port} '}"
            f"-t {offered.get_name()} {self.host}"
        )
        lines = [
            "Confirm that fingerprint with the server's operator (for Clever: "
            "support or your district's Clever contact), then pin it by adding this "
            f"line to {target}:",
            f"  {self._host_label()} {offered.get_name()} {offered.get_base64()}",
            f"(or run `{keyscan} >> {target}` and check its fingerprint with "
            f"`ssh-keygen -lf {target}`).",
        ]
        if not known_hosts:
            lines.append(f"Then set {ENV_PREFIX}KNOWN_HOSTS to that file.")
        return "\n".join(lines)

    def _unknown_key(self, offered: paramiko.PKey) -> str:
        where = (
            f"in {self.settings.known_hosts}"
            if self.settings.known_hosts
            else f"anywhere ({ENV_PREFIX}KNOWN_HOSTS is not set)"
        )
        return (
            f"refused {self._host_label()}: its host key is not pinned {where}. "
            "Stopped before authenticating: no user name, key or password was sent.\n"
            f"The server offered {offered.get_name()} {offered.fingerprint}.\n"
            + self._pin_advice(offered)
        )

    def _changed_key(self, offered: paramiko.PKey, pinned: paramiko.PKey) -> str:
        return (
            f"refused {self._host_label()}: its host key does NOT match the key "
            f"pinned in {self.settings.known_hosts}. Either the server's key was "
            "replaced or someone is intercepting the connection. Stopped before "
            "authenticating: no user name, key or password was sent.\n"
            f"The server offered {offered.get_name()} {offered.fingerprint}; "
            f"pinned is {pinned.get_name()} {pinned.fingerprint}.\n"
            "Only if the operator confirms the new key, replace the old line. "
            + self._pin_advice(offered)
        )

    def _auth_failed(self, error: paramiko.AuthenticationException) -> str:
        used = []
        if self._pkey is not None:
            used.append(f"the key {self.settings.key} ({self._pkey.fingerprint})")
        if self.settings.password:
            used.append(f"the password in {ENV_PREFIX}PASSWORD")
        if self.settings.use_agent:
            used.append("the SSH agent's keys")
        allowed = getattr(error, "allowed_types", None)
        return (
            f"authentication failed: {self._host_label()} refused user "
            f"{self.settings.user!r} with {' and '.join(used)}"
            + (f" (it accepts: {', '.join(allowed)})" if allowed else "")
            + f". Check {ENV_PREFIX}USER and the credential; nothing was retried."
        )


class _RejectAndRemember(paramiko.RejectPolicy):
    """paramiko's RejectPolicy, keeping the key it refused for the message."""

    offered: paramiko.PKey | None = None

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        self.offered = key
        super().missing_host_key(client, hostname, key)


class _Translated:
    """A remote file whose read errors become the transport's error kinds."""

    def __init__(self, remote: paramiko.SFTPFile, transport: SftpTransport) -> None:
        self._remote = remote
        self._transport = transport

    def read(self, size: int) -> bytes:
        with self._transport._errors():
            return self._remote.read(size)


def _private_key(settings: SftpSettings) -> paramiko.PKey | None:
    if not settings.key:
        return None
    try:
        passphrase = settings.key_passphrase
        return paramiko.PKey.from_path(
            settings.key, password=passphrase.encode() if passphrase else None
        )
    except paramiko.PasswordRequiredException:
        raise ConfigError(
            f"the private key {settings.key} is encrypted: set "
            f"{ENV_PREFIX}KEY_PASSPHRASE"
        ) from None
    except (paramiko.SSHException, ValueError, OSError) as error:
        hint = (
            f" (is {ENV_PREFIX}KEY_PASSPHRASE right?)"
            if settings.key_passphrase
            else ""
        )
        raise ConfigError(
            f"cannot read the private key {settings.key}: {error}{hint}"
        ) from None


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer from the server within {timeout:g} s"
    return str(error).strip() or type(error).__name__
