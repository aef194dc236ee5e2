"""Weight initializers.

An initializer is called with the kernel's shape ``(fan_in, fan_out)``, the
model's random generator and a dtype, and returns a new array. Every random
number comes from the generator passed in, never from NumPy's global state,
so a model's seed fixes its initial weights.

Example
-------
>>> import numpy as np
>>> from nnzero import initializers
>>> w = initializers.get("he_normal")((784, 128), np.random.default_rng(0), np.float32)
>>> w.shape, w.dtype
((784, 128), dtype('float32'))
"""

from .base import Initializer, get, names, register
from .constant import Ones, Zeros
from .distributions import RandomNormal, RandomUniform
from .orthogonal import Orthogonal
from .variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    ScaledNormal,
    VarianceScaling,
)

__all__ = [
    "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Initializer", "LecunNormal",
    "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "ScaledNormal",
    "VarianceScaling", "Zeros", "get", "names", "register",
]
