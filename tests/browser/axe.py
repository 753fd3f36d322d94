"""axe-core, installed from npm into node_modules by `make test`, for the browser tests' accessibility checks."""

import os
from pathlib import Path

import pytest
from django.conf import settings


def axe_path() -> Path:
    """axe.min.js. Missing (no `npm ci`): the test fails under CI=true, else it is skipped saying what to run."""
    axe = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        message = f"{axe} is missing: run `npm ci` (make test does this)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return axe
