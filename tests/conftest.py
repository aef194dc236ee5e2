"""Shared test set-up.

Every test runs with NumPy's floating-point errors raised instead of warned
about, so an overflow, a division by zero or an invalid operation hidden
anywhere in the engine fails loudly. Code that overflows on purpose says so
with ``np.errstate`` where it does.

Tests marked ``fuzz`` (the 2,000-example runs of the property tests) are
left out unless the ``-m`` expression names them: ``pytest -m fuzz``.
"""

import signal

import numpy as np
import pytest
from hypothesis import settings

# Parsing time varies with machine load; a deadline would make the property
# tests flaky without finding anything.
settings.register_profile("nnzero", deadline=None)
settings.load_profile("nnzero")


def pytest_collection_modifyitems(config, items):
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("fuzz") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    with np.errstate(all="raise"):
        yield


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler for the test, the previous one after.

    A test run started in the background may have SIGINT ignored, and fit
    only takes over Python's own handler, as at a terminal."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
