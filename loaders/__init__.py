"""Hybrid Engagement on DuckDB: fetch, load, build and publish OEA engagement data."""

__version__ = "0.1.0"
