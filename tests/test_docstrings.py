"""Every example in a public docstring runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import nnzero

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(nnzero.__path__, prefix="nnzero.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def _needs_example(obj) -> bool:
    is_exception = isinstance(obj, type) and issubclass(obj, BaseException)
    return callable(obj) and not is_exception


def test_public_api_is_documented_with_examples():
    public = {name: getattr(nnzero, name) for name in nnzero.__all__}
    missing = [
        name
        for name, obj in public.items()
        if _needs_example(obj) and ">>>" not in (obj.__doc__ or "")
    ]
    assert not missing, f"public names without a runnable example: {missing}"
