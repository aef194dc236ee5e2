"""Random draws and fan counts that the initializers of every module share.
"""

from __future__ import annotations

import numpy as np


# Random numbers are drawn in the run's dtype: a float32 network of a billion
# weights never holds a float64 copy of them (twice the memory) on the way.
# In float64 these draw exactly what rng.normal and rng.uniform draw.
def draw_normal(rng, mean, stddev, shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    out = rng.standard_normal(size=shape, dtype=dtype)
    out *= dtype.type(stddev)
    out += dtype.type(mean)
    return out


def draw_uniform(rng, low, high, shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    out = rng.random(size=shape, dtype=dtype)
    out *= dtype.type(high - low)
    out += dtype.type(low)
    return out


def fans(shape) -> tuple[int, int]:
    fan_in = shape[0] if len(shape) > 0 else 1
    fan_out = shape[1] if len(shape) > 1 else shape[0]
    return fan_in, fan_out
