"""Which delivered file names we accept: plain ASCII, nothing a path could hide in.

Names come from outside (a server's listing, a shared drop folder) and become local
paths, log lines and keys of the manifest, so they are untrusted input. Only
printable ASCII is accepted: Python's `\\d` matches fullwidth digits (U+FF10 to
U+FF19) and case-insensitive patterns match the Kelvin sign for `K`, so a lookalike
name could pass for a report and be counted twice. Every name pattern of the sources
uses `[0-9]`, and a name that is not plain ASCII is never matched.
"""

from __future__ import annotations


def unsafe_name(name: str) -> str | None:
    """Why a delivered name must not be used (as a report or a local path), or None
    when it may."""
    if name in ("", ".", ".."):
        return "empty or a relative path" if name else "empty"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if "\x00" in name:
        return "contains a NUL byte"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains a control character such as a newline"
    if not name.isascii():
        return "not plain ASCII (lookalike characters such as fullwidth digits)"
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        return "longer than 255 bytes"
    return None


def printable(name: str) -> str:
    """A name as it may be logged and stored: unsafe names with every unusual
    character escaped (so a name cannot forge log lines or hide as another)."""
    if unsafe_name(name) is None:
        return name
    return name.encode("unicode_escape").decode("ascii")
