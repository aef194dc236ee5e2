"""Layers: Dense, Dropout, Flatten, Activation, BatchNormalization, and the
augmentation layers RandomTranslation and RandomFlip.

Example
-------
>>> import nnzero as nz
>>> nz.layers.Dense(10, activation="softmax").units
10
"""

from .._registry import Registry

_REGISTRY = Registry("layer", protocol=("forward", "backward"))
register = _REGISTRY.register

from .augment import RandomFlip, RandomTranslation  # noqa: E402
from .base import Layer  # noqa: E402
from .batchnorm import BatchNorm, BatchNormalization  # noqa: E402
from .dense import Dense  # noqa: E402
from .simple import Activation, Dropout, Flatten  # noqa: E402


def get(identifier, argument: str = "layer") -> Layer:
    """Rebuild a layer from its config dict (as written by ``get_config``)."""
    return _REGISTRY.get(identifier, argument)


__all__ = ["Activation", "BatchNorm", "BatchNormalization", "Dense", "Dropout", "Flatten", "Layer",
           "RandomFlip", "RandomTranslation", "get"]
