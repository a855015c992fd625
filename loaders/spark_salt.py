"""Hands the pseudonymization salt to Spark: the spark target's counterpart of
dbt_salt.py.

The `pseudonymize` macro reads the salt on Spark from the runtime setting
`spark.hybrid_engagement.pseudonym_salt_hex` (hex, so no salt can break out of a SQL
string), through Spark's `${...}` substitution: compiled SQL, dbt's logs and its
artifacts hold only the setting's name. The setting is never given while Spark
starts (pyspark would put it on the JVM's command line, which every local user can
read): with `method: session`, dbt starts Spark in this process at its first query,
and this dbt callback sets the salt on that session right after it. On a cluster
(`method: thrift`, `odbc`) the profile sends it as a session setting instead
(docs/running-on-spark.md).

Both the salt and its hex form are in the child's environment as DBT_ENV_SECRET_*
variables, which dbt scrubs from every log line and error message it writes.
"""

from __future__ import annotations

import os
from typing import Any

SALT_CONF = "spark.hybrid_engagement.pseudonym_salt_hex"
# dbt replaces the value of every DBT_ENV_SECRET_* variable with ***** in its logs.
SALT_SECRET_ENV = "DBT_ENV_SECRET_HE_PSEUDONYM_SALT"
SALT_HEX_ENV = "DBT_ENV_SECRET_HE_PSEUDONYM_SALT_HEX"
SESSION_LOGGERS = (
    "org.apache.spark.sql.SparkSession",
    "org.apache.spark.sql.classic.SparkSession",
)


def salt_environment(salt: str) -> dict[str, str]:
    """The child's variables carrying the salt (and telling dbt to scrub it)."""
    return {SALT_SECRET_ENV: salt, SALT_HEX_ENV: salt.encode().hex()}


class SaltOnSparkSession:
    """A dbt callback: after dbt's first query has started its in-process Spark
    session, set the salt on it (before any model runs: dbt's first queries list
    schemas and relations)."""

    def __init__(self, salt_hex: str) -> None:
        self.salt_hex = salt_hex
        self.done = False

    def __call__(self, event: Any) -> None:
        if self.done or event.info.name != "SQLQueryStatus":
            return
        session = _in_process_session()
        if session is not None:
            session.conf.set(SALT_CONF, self.salt_hex)
            _quiet_session_warnings(session)
        # Without an in-process session (thrift, odbc) the profile sends it.
        self.done = True


def _in_process_session() -> Any:
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    if SparkContext._active_spark_context is None:
        return None
    return SparkSession.builder.getOrCreate()


def _quiet_session_warnings(session: Any) -> None:
    """dbt-spark asks for the session before every query, and Spark warns each
    time that it exists already: keep that one logger to errors."""
    try:
        jvm = session.sparkContext._jvm
        # Spark 3.5's logger, and Spark 4's (the class moved to `classic`).
        for logger in SESSION_LOGGERS:
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                logger, jvm.org.apache.logging.log4j.Level.ERROR
            )
    except Exception:  # a Spark without log4j 2 keeps warning; nothing breaks
        pass


def callbacks() -> list[SaltOnSparkSession]:
    """The callback for a dbt run on Spark (the environment carries the salt)."""
    salt_hex = os.environ.get(SALT_HEX_ENV)
    if not salt_hex or os.environ.get("DBT_TARGET") != "spark":
        return []
    return [SaltOnSparkSession(salt_hex)]
