"""Markers shared by test modules."""

import os

import pytest


def needs_postgresql(why):
    """Skip unless the suite runs on PostgreSQL (CI's second pass does), saying why."""
    return pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason=f"needs PostgreSQL (DATABASE_URL=postgres://…): {why}",
    )
