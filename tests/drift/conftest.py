"""Fixtures of the drift tests."""

from __future__ import annotations

import pandas as pd
import pytest
from drift_tables import make_tables


@pytest.fixture
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A drifted pair of tables (see :func:`make_tables`)."""
    return make_tables()
