"""Finite differences, shared by the gradient checks (test_gradcheck.py) and
the label-smoothing tests (test_label_smoothing.py)."""

from __future__ import annotations

import numpy as np

H = 1e-4


def numeric_gradient(f, array, h=H):
    """Five-point central differences of ``f()`` with respect to every entry of ``array``."""
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        values = []
        for k in (-2, -1, 1, 2):
            flat[i] = original + k * h
            values.append(f())
        flat[i] = original
        # Differences first: equal values (a flat direction) then give exactly 0.
        out[i] = (8.0 * (values[2] - values[1]) - (values[3] - values[0])) / (12.0 * h)
    return grad


def rel_error(analytic, numeric) -> float:
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    return float(np.max(np.abs(analytic - numeric) / scale))


def away_from_zero(rng, shape, low=0.2, high=2.0):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
