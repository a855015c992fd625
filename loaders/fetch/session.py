"""The transport with bounded retries, shared by listing and downloading."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from loaders.fetch.config import FetchSettings
from loaders.transports.base import TransientError, Transport

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_RETRY_DELAY = 60.0


class Session:
    """The transport with bounded retries: a transient error closes the connection,
    waits (doubling each time, at most MAX_RETRY_DELAY), reconnects and tries
    again, at most `settings.retries` times. A refusal is never retried."""

    def __init__(self, transport: Transport, settings: FetchSettings) -> None:
        self.transport = transport
        self.settings = settings
        self.connected = False
        self.unreachable: str | None = None

    def run(self, action: Callable[[], T], what: str) -> T:
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            connecting = not self.connected
            try:
                if connecting:
                    self.transport.connect()
                    self.connected = True
                    connecting = False
                return action()
            except TransientError as error:
                self.connected = False
                self.transport.close()
                if attempt == attempts:
                    if connecting:
                        # Not even a connection: the files after this one would
                        # only wait for the same timeouts.
                        self.unreachable = str(error)
                    raise TransientError(
                        f"{error} (gave up after {attempts} attempt"
                        f"{'s' if attempts > 1 else ''})"
                    ) from None
                delay = min(
                    self.settings.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY
                )
                log.warning(
                    "%s: %s; retrying in %g s (attempt %d of %d)",
                    what,
                    error,
                    delay,
                    attempt + 1,
                    attempts,
                )
                time.sleep(delay)
        raise AssertionError("unreachable")
