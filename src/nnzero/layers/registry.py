"""The table of layer classes by name, used to save and load models.

Every layer module imports :func:`register` from here, and
``nnzero.layers`` only re-exports it, so that the package's ``__init__``
and its modules never import each other. A saved model names its layers
by these registered names (``"dense"``, ``"dropout"``...), never by module
or class path.

Example
-------
>>> from nnzero.layers.registry import get, names
>>> get({"name": "dropout", "rate": 0.5}).rate
0.5
>>> "dense" in names()
True
"""

from __future__ import annotations

from .._registry import Registry
from .base import Layer

_REGISTRY = Registry("layer", protocol=("forward", "backward"))

#: Class decorator adding a layer class under one or more names, e.g.
#: ``@register("my_layer")``; the first name is the one saved files use.
register = _REGISTRY.register


def get(identifier, argument: str = "layer") -> Layer:
    """Rebuild a layer from its config dict (as written by ``get_config``).

    Parameters
    ----------
    identifier : dict, str or Layer
        A config (``{"name": "dense", "units": 4, ...}``), a registered name
        of a layer that needs no arguments, or a layer (returned as it is).
    argument : str, default "layer"
        The argument's name in error messages.

    Returns
    -------
    Layer

    Raises
    ------
    InvalidArgumentError
        For an unknown name or a bad config.

    Examples
    --------
    >>> from nnzero.layers import get
    >>> get({"name": "flatten"})
    Flatten()
    """
    return _REGISTRY.get(identifier, argument)


def names() -> list[str]:
    """The registered layer names, sorted.

    Example
    -------
    >>> from nnzero.layers import names
    >>> names()[:3]
    ['activation', 'batch_normalization', 'batchnorm']
    """
    return _REGISTRY.names()
