"""Toy regression sets: a noisy sine wave and Friedman's first function.

Beside the classification toy sets (moons, circles...), these give a
continuous target, for ``nnzero train --dataset sine --loss mse`` and for
trying regression by hand. Each draws from its own generator seeded by
``seed``; the global NumPy generator is never used.

Example
-------
>>> from nnzero.datasets.toy_regression import make_sine
>>> x, y = make_sine(100, seed=0)
>>> x.shape, y.shape, y.dtype
((100, 1), (100,), dtype('float32'))
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_number

__all__ = ["REGRESSION_TOY_SETS", "make_friedman", "make_sine"]


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int(seed, "seed", low=0))


def make_sine(n_samples=200, noise=0.1, seed=0):
    """One feature ``x`` uniform in [-3, 3] and ``y = sin(x)`` plus Gaussian
    noise of standard deviation ``noise``.

    Returns ``(x, y)``: float32 arrays of shapes ``(n_samples, 1)`` and
    ``(n_samples,)``.

    Example
    -------
    >>> from nnzero.datasets.toy_regression import make_sine
    >>> x, y = make_sine(5, noise=0.0, seed=1)
    >>> bool(abs(float(y[0]) - float(__import__("numpy").sin(x[0, 0]))) < 1e-6)
    True
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    noise = check_number(noise, "noise", low=0.0)
    rng = _generator(seed)
    x = rng.uniform(-3.0, 3.0, size=(n_samples, 1))
    y = np.sin(x[:, 0]) + noise * rng.standard_normal(n_samples)
    return x.astype(np.float32), y.astype(np.float32)


def make_friedman(n_samples=500, noise=1.0, seed=0):
    """Friedman's first regression problem (J. H. Friedman, "Multivariate
    adaptive regression splines", Annals of Statistics, 1991): five features
    uniform in [0, 1] and
    ``y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4`` plus Gaussian
    noise of standard deviation ``noise``.

    Example
    -------
    >>> from nnzero.datasets.toy_regression import make_friedman
    >>> x, y = make_friedman(10, seed=0)
    >>> x.shape, float(x.min()) >= 0.0
    ((10, 5), True)
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    noise = check_number(noise, "noise", low=0.0)
    rng = _generator(seed)
    x = rng.uniform(0.0, 1.0, size=(n_samples, 5))
    y = (10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3]
         + 5 * x[:, 4] + noise * rng.standard_normal(n_samples))
    return x.astype(np.float32), y.astype(np.float32)


#: The regression toy sets by name: (generator, number of features).
REGRESSION_TOY_SETS = {"sine": (make_sine, 1), "friedman": (make_friedman, 5)}
