from __future__ import annotations

import pytest

from .leaks import set_token


@pytest.fixture
def secret_value(mlops_home) -> str:
    return set_token()
