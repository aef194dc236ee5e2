"""nnzero: neural networks from scratch on NumPy.

Example
-------
>>> import nnzero as nz
>>> model = nz.Sequential([nz.layers.Dense(16, activation="relu"),
...                        nz.layers.Dense(3, activation="softmax")], seed=0)
>>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
...               metrics=["accuracy"])
"""

from . import (
    activations,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    onnx,
    optimizers,
    regularizers,
    schedules,
)
from ._version import __version__ as __version__
from .errors import (
    DataFormatError,
    DatasetNotFoundError,
    InvalidArgumentError,
    InvalidTypeError,
    ModelFileError,
    NNZeroError,
    NonFiniteLossWarning,
    NotCompiledError,
)
from .gradcheck import gradcheck
from .lr_finder import lr_find
from .model import History, Sequential, callbacks, load_model
from .perceptron import Perceptron
from .threads import limit_threads


def __getattr__(name):
    # nnzero.plot loads matplotlib, which is slow to import; `nz.plot` loads
    # it on first use so that `import nnzero` stays fast.
    if name == "plot":
        import importlib

        return importlib.import_module("nnzero.plot")
    raise AttributeError(f"module 'nnzero' has no attribute {name!r}")


__all__ = [
    "DataFormatError",
    "DatasetNotFoundError",
    "History",
    "InvalidArgumentError",
    "InvalidTypeError",
    "ModelFileError",
    "NNZeroError",
    "NonFiniteLossWarning",
    "NotCompiledError",
    "Perceptron",
    "Sequential",
    "activations",
    "callbacks",
    "constraints",
    "datasets",
    "gradcheck",
    "initializers",
    "layers",
    "limit_threads",
    "load_model",
    "losses",
    "lr_find",
    "metrics",
    "onnx",
    "optimizers",
    "regularizers",
    "schedules",
]
