"""The initializer base class, the registry of initializer names, and ``get``.

Example
-------
>>> from nnzero.initializers import base
>>> "he_normal" in base.names()
True
"""

from __future__ import annotations

import numpy as np

from .._registry import Registry

_REGISTRY = Registry("initializer", protocol=("__call__",))


register = _REGISTRY.register


class Initializer:
    """Base class: ``__call__(shape, rng, dtype)`` returns the initial array.

    A subclass keeps its settings as attributes (they are its saved config)
    and draws from ``rng``, the model's generator, so a model's seed fixes
    its initial weights.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Initializer
    >>> class Constant(Initializer):
    ...     def __init__(self, value=0.5):
    ...         self.value = value
    ...     def __call__(self, shape, rng, dtype=np.float32):
    ...         return np.full(shape, self.value, dtype=dtype)
    >>> Constant()((2,), np.random.default_rng(0))
    array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.registered_name, **vars(self)}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def get(identifier, argument: str = "kernel_initializer") -> Initializer:
    """Resolve a name, config dict or callable to an initializer.

    Parameters
    ----------
    identifier : str, dict or callable
        A registered name (see :func:`names`), a config such as
        ``{"name": "orthogonal", "gain": 4.0}``, or an initializer.
    argument : str, default "kernel_initializer"
        The argument's name in error messages.

    Returns
    -------
    Initializer

    Examples
    --------
    >>> get("glorot_uniform")
    GlorotUniform()
    """
    return _REGISTRY.get(identifier, argument)


def names() -> list[str]:
    """The registered initializer names (aliases included).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "orthogonal" in names() and "kaiming_normal" in names()
    True
    """
    return _REGISTRY.names()
