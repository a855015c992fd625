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

Downloads ask for every byte once, with many READ requests in flight (see
_PipelinedRead), over a connection that sends each request at once (TCP_NODELAY),
prefers AES-GCM (the cheapest secure cipher paramiko has) and opens a 16 MiB channel
window: on loopback this runs at about three quarters of OpenSSH's own `sftp`
(benchmarks/RESULTS.md), where paramiko's prefetch ran at a twentieth of it and read
large files up to twice.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import paramiko
from paramiko.sftp import (
    CMD_DATA,
    CMD_EXTENDED,
    CMD_EXTENDED_REPLY,
    CMD_READ,
    CMD_STATUS,
    int64,
)

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

# Bytes asked for and not yet received while downloading a file: enough to keep a fast
# link busy, little enough to hold in memory.
READ_AHEAD_BYTES = 4 * 1024 * 1024
# The READ size every SFTP server answers in full (the protocol's smallest packet is
# 32 KiB); a server that publishes its limit (OpenSSH's limits@openssh.com) is asked
# for up to MAX_READ_BYTES at a time.
SAFE_READ_BYTES = 32 * 1024
MAX_READ_BYTES = 256 * 1024
# The SSH channel: a window larger than READ_AHEAD_BYTES, so the server never waits
# for us to open it, and packets of up to 256 KiB (fewer, cheaper packets).
CHANNEL_WINDOW_BYTES = 16 * 1024 * 1024
CHANNEL_PACKET_BYTES = 256 * 1024
# Ciphers we offer, cheapest first (AES-GCM needs no separate MAC). CBC modes and
# 3DES are never offered.
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
)
WEAK_CIPHERS = ("aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc")


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
        if self.known_hosts and not self.known_hosts.is_file():
            path = self.known_hosts
            keyscan = "ssh-keyscan " + (f"-p {self.port} " if self.port != 22 else "")
            raise ConfigError(
                f"{ENV_PREFIX}KNOWN_HOSTS: the file {path} does not exist; create it "
                f"with `{keyscan}{self.host} > {path}` and compare the fingerprint "
                f"that `ssh-keygen -lf {path}` shows with the one the server's "
                "operator gives you"
            )


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
        self._read_bytes = SAFE_READ_BYTES

    def connect(self) -> None:
        self.close()
        settings = self.settings
        client = paramiko.SSHClient()
        if settings.known_hosts:
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
                disabled_algorithms={"ciphers": list(WEAK_CIPHERS)},
                transport_factory=_fast_transport,
            )
            transport = client.get_transport()
            assert transport is not None
            transport.set_keepalive(max(1, round(settings.keepalive)))
            sftp = paramiko.SFTPClient.from_transport(
                transport,
                window_size=CHANNEL_WINDOW_BYTES,
                max_packet_size=CHANNEL_PACKET_BYTES,
            )
            assert sftp is not None
            sftp.get_channel().settimeout(settings.timeout)
            read_bytes = _server_read_limit(sftp)
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
        self._read_bytes = read_bytes
        log.debug(
            "connected to %s (%s, reads of %s bytes)",
            self.identity,
            transport.remote_cipher,
            f"{read_bytes:,}",
        )

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
            sftp = self._session()
            remote = sftp.open(path, "rb")
            try:
                yield _PipelinedRead(self, remote, size, self._read_bytes)
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


class _PipelinedRead:
    """The first `size` bytes of a remote file, each asked for once, with up to
    READ_AHEAD_BYTES of READ requests in flight.

    paramiko's own read-ahead (SFTPFile.prefetch) runs in a thread of its own that
    prints a traceback when the connection drops, and paramiko 5.1 asks for parts of
    files of 8 MiB or more twice. Here the calling thread sends the requests (in file
    order) and takes the answers in that order: paramiko hands each answer to
    `_async_response` as it arrives. A server may answer with fewer bytes than asked
    for; the rest of that range is then asked for next. Reading stops at `size`: a
    file that grew meanwhile is caught by the caller's stat after the download.
    Errors come out as the transport's error kinds."""

    def __init__(
        self,
        transport: SftpTransport,
        remote: paramiko.SFTPFile,
        size: int,
        request_bytes: int,
    ) -> None:
        self._transport = transport
        self._sftp = remote.sftp
        self._handle = remote.handle
        self._size = size
        self._request_bytes = request_bytes
        self._window = max(1, min(128, READ_AHEAD_BYTES // request_bytes))
        self._next_offset = 0
        self._pending: deque[tuple[int, int, int]] = deque()  # number, offset, length
        self._answers: dict[int, tuple[int, paramiko.Message]] = {}
        self._rest = b""
        self._done = False

    def read(self, size: int) -> bytes:
        if not self._rest:
            with self._transport._errors():
                self._rest = self._next_answer()
        piece, self._rest = self._rest[:size], self._rest[size:]
        return piece

    def _async_response(self, kind: int, message: paramiko.Message, num: int) -> None:
        """Called by paramiko (SFTPClient._read_response) with an answer to one of
        our requests."""
        self._answers[num] = (kind, message)

    def _request(self, offset: int, length: int) -> tuple[int, int, int]:
        number = self._sftp._async_request(
            self, CMD_READ, self._handle, int64(offset), int(length)
        )
        return number, offset, length

    def _next_answer(self) -> bytes:
        """The bytes of the oldest request, after topping up the requests in
        flight; b"" at the end."""
        while not self._done:
            while len(self._pending) < self._window and self._next_offset < self._size:
                length = min(self._request_bytes, self._size - self._next_offset)
                self._pending.append(self._request(self._next_offset, length))
                self._next_offset += length
            if not self._pending:
                break
            number, offset, length = self._pending.popleft()
            while number not in self._answers:
                self._sftp._read_response()
            data = self._data(*self._answers.pop(number))
            if not data:
                self._done = True  # the file ended early; the caller counts bytes
                break
            if len(data) < length:
                self._pending.appendleft(
                    self._request(offset + len(data), length - len(data))
                )
            return data
        return b""

    def _data(self, kind: int, message: paramiko.Message) -> bytes:
        if kind == CMD_DATA:
            return message.get_string()
        if kind == CMD_STATUS:
            try:
                self._sftp._convert_status(message)  # raises for errors
            except EOFError:
                return b""
            raise paramiko.SSHException("the server answered a read with no data")
        raise paramiko.SSHException(f"unexpected answer to a read (type {kind})")


def _fast_transport(sock: socket.socket, **options: object) -> paramiko.Transport:
    """paramiko's Transport on a socket that sends each READ request at once
    (TCP_NODELAY: with Nagle's algorithm the small requests wait for the server's
    acknowledgements, which halved the speed on loopback), offering
    PREFERRED_CIPHERS first."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # not a TCP socket
        log.debug("could not set TCP_NODELAY", exc_info=True)
    transport = paramiko.Transport(sock, **options)  # type: ignore[arg-type]
    security = transport.get_security_options()
    offered = tuple(security.ciphers)
    fast = tuple(name for name in PREFERRED_CIPHERS if name in offered)
    security.ciphers = fast + tuple(name for name in offered if name not in fast)
    return transport


def _server_read_limit(sftp: paramiko.SFTPClient) -> int:
    """The largest READ the server answers in full: its own limit when it publishes
    one (limits@openssh.com), at most MAX_READ_BYTES; else SAFE_READ_BYTES."""
    try:
        kind, message = sftp._request(CMD_EXTENDED, "limits@openssh.com")
    except (OSError, EOFError, paramiko.SSHException):
        return SAFE_READ_BYTES  # not supported: the status says so
    if kind != CMD_EXTENDED_REPLY or message is None:
        return SAFE_READ_BYTES
    message.get_int64()  # largest packet
    largest_read = message.get_int64()
    if largest_read <= 0:
        return SAFE_READ_BYTES
    return max(SAFE_READ_BYTES // 8, min(largest_read, MAX_READ_BYTES))


def _private_key(settings: SftpSettings) -> paramiko.PKey | None:
    """The private key of HE_SFTP_KEY, or a ConfigError saying in one line what is
    wrong with it and what to do. (paramiko passes on cryptography's errors: a
    TypeError for a missing passphrase, "no BEGIN/END delimiters" for a wrong one.)"""
    if not settings.key:
        return None
    path = settings.key
    passphrase = settings.key_passphrase.encode() if settings.key_passphrase else None
    try:
        return _load_key(path, passphrase)
    except _NeedsPassphrase:
        raise ConfigError(
            f"the private key {path} is encrypted: set {ENV_PREFIX}KEY_PASSPHRASE"
        ) from None
    except _NotEncrypted:
        # A passphrase for a key that has none: the key is usable as it is.
        log.warning(
            "%sKEY_PASSPHRASE is set but the private key %s is not encrypted; the "
            "passphrase is not used",
            ENV_PREFIX,
            path,
        )
        return _load_key(path, None)
    except (paramiko.SSHException, ValueError, OSError) as error:
        if passphrase is not None and _is_encrypted(path):
            raise ConfigError(
                f"the passphrase in {ENV_PREFIX}KEY_PASSPHRASE does not decrypt the "
                f"private key {path}: check the passphrase (or {ENV_PREFIX}KEY)"
            ) from None
        raise ConfigError(
            f"cannot read the private key {path} ({ENV_PREFIX}KEY): "
            f"{_first_line(error)}; it must be a private key file in OpenSSH or PEM "
            "format"
        ) from None


class _NeedsPassphrase(Exception):
    pass


class _NotEncrypted(Exception):
    pass


def _load_key(path: Path, passphrase: bytes | None) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_path(path, password=passphrase)
    except paramiko.PasswordRequiredException:
        raise _NeedsPassphrase() from None
    except TypeError as error:
        # cryptography: "Key is password-protected, but password was not
        # provided", "Password was not given but private key is encrypted", or
        # "Password was given but private key is not encrypted".
        if passphrase is None:
            raise _NeedsPassphrase() from None
        if "not encrypted" in str(error):
            raise _NotEncrypted() from None
        raise ValueError(str(error)) from None


def _is_encrypted(path: Path) -> bool:
    try:
        _load_key(path, None)
    except _NeedsPassphrase:
        return True
    except Exception:
        return False
    return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer from the server within {timeout:g} s"
    # paramiko says "Server connection dropped: " (and an empty EOFError) when
    # reading, "Socket is closed" when sending on the lost connection.
    text = str(error).strip().rstrip(":").strip()
    if text in ("Server connection dropped", "Socket is closed"):
        return "the server dropped the connection"
    return text or type(error).__name__
