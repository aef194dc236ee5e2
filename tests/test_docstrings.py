"""Every example in a public docstring runs and prints what it shows."""

import doctest
import importlib
import inspect
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


# Where users meet the library: every public class and function these
# namespaces export must say what each parameter is and show itself working.
API_NAMESPACES = [
    "nnzero", "nnzero.layers", "nnzero.optimizers", "nnzero.losses", "nnzero.activations",
    "nnzero.initializers", "nnzero.regularizers", "nnzero.constraints", "nnzero.schedules",
    "nnzero.callbacks", "nnzero.metrics", "nnzero.datasets", "nnzero.plot", "nnzero.sklearn",
    "nnzero.interop", "nnzero.onnx", "nnzero.report",
]
# The model's methods a user calls (inherited ones included).
MODEL_METHODS = [
    "add", "build", "compile", "fit", "evaluate", "predict", "predict_proba",
    "predict_classes", "get_weights", "set_weights", "summary", "save",
]


def _exported(namespace):
    # nnzero.callbacks is the attribute of nnzero naming nnzero.model.callbacks.
    module = nnzero.callbacks if namespace == "nnzero.callbacks" else importlib.import_module(
        namespace)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items()
                 if getattr(obj, "__module__", None) == module.__name__]
    for name in names:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        if not name.startswith("_") and obj.__module__.startswith("nnzero"):
            yield f"{namespace}.{name}", obj


def _api():
    found = {}
    for namespace in API_NAMESPACES:
        for qualified, obj in _exported(namespace):
            found.setdefault(id(obj), (qualified, obj))
    for method in MODEL_METHODS:
        found[method] = (f"nnzero.Sequential.{method}", getattr(nnzero.Sequential, method))
    return dict(found.values())


API = _api()


@pytest.mark.parametrize("name", sorted(API))
def test_public_api_has_numpydoc_parameters_and_examples(name):
    obj = API[name]
    doc = inspect.getdoc(obj) or ""
    # numpydoc's heading is "Examples"; the site reads "Example" as the same.
    has_heading = "Examples\n--------" in doc or "Example\n-------" in doc
    assert has_heading and ">>>" in doc, f"{name}: no Examples section"
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # a builtin-backed callable: nothing to name
        return
    params = [p.name for p in signature.parameters.values()
              if p.name not in ("self", "cls")
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if params:
        assert "Parameters\n----------" in doc, f"{name}: no Parameters section"
        missing = [p for p in params if p not in doc]
        assert not missing, f"{name}: parameters not described: {missing}"
