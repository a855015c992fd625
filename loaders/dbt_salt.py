"""dbt-duckdb plugin that hands the pseudonymization salt to DuckDB.

The salt is read from HE_PSEUDONYM_SALT when dbt opens a connection and set as the
session variable `he_pseudonym_salt`, which the `pseudonymize` macro reads with
`getvariable`. The salt therefore never appears in compiled SQL, dbt's logs, its
artifacts (manifest.json, run_results.json, target/) or any table. When the variable
is missing, the macro fails the model instead of hashing without a salt.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from loaders.settings import SALT_ENV, check_salt


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        _set_salt(conn)

    def configure_cursor(self, cursor) -> None:
        # Each dbt thread works on its own cursor, a fresh DuckDB session.
        _set_salt(cursor)


def _set_salt(conn) -> None:
    salt = os.environ.get(SALT_ENV)
    if salt:
        check_salt(salt)
        conn.execute("set variable he_pseudonym_salt = ?", [salt])
