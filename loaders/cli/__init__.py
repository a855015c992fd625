"""The one command line: `hybrid-engagement` (or `python -m loaders`).

One job a module:

    commands.py  the group and every command, in one place (start here)
    options.py   the options several commands share, as click decorators
    runs.py      running a command's steps: the lock, findings, exit status, summary
"""

from loaders.cli.commands import cli, main

__all__ = ["cli", "main"]
