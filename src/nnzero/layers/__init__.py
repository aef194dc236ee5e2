"""Layers: Dense, Dropout, Flatten, Activation, BatchNormalization, and the
augmentation layers RandomTranslation and RandomFlip.

This module only re-exports: each layer lives in a module named for it, and
the table of layer names (:func:`register`, :func:`get`, :func:`names`) in
:mod:`nnzero.layers.registry`.

Example
-------
>>> import nnzero as nz
>>> nz.layers.Dense(10, activation="softmax").units
10
"""

from .activation import Activation
from .augment import RandomFlip, RandomTranslation
from .base import Layer
from .batchnorm import BatchNorm, BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .registry import get, names, register

__all__ = ["Activation", "BatchNorm", "BatchNormalization", "Dense", "Dropout", "Flatten", "Layer",
           "RandomFlip", "RandomTranslation", "get", "names", "register"]
