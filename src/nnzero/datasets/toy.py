"""Small synthetic data sets for classification: moons, circles, blobs, XOR,
spirals, and the two-class set of the Julia tutorial.

Every generator returns ``(x, y)`` with samples as rows: ``x`` float32 of
shape ``(n_samples, n_features)`` and ``y`` int64 class indices from 0.
Randomness comes only from ``seed`` (an int, a ``numpy.random.Generator`` or
``None`` for fresh entropy); the global NumPy generator is never touched, so
the same seed always gives the same data.

Example
-------
>>> from nnzero.datasets import make_moons
>>> x, y = make_moons(200, noise=0.2, seed=0)
>>> x.shape, x.dtype, y.dtype, sorted(set(y.tolist()))
((200, 2), dtype('float32'), dtype('int64'), [0, 1])
"""

from __future__ import annotations

import numbers

import numpy as np

from nnzero._validation import check_int, check_number
from nnzero.errors import InvalidArgumentError, InvalidTypeError

__all__ = [
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_tutorial_001",
    "make_xor",
]


def _generator(seed) -> np.random.Generator:
    """A private generator from an int, a Generator (used as is) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(check_int(seed, "seed", low=0))


def _sklearn_seed(seed) -> int:
    """An integer seed for scikit-learn's generators.

    An int is passed through unchanged, so ``make_moons(seed=s)`` draws
    exactly what ``sklearn.datasets.make_moons(random_state=s)`` draws (and
    seed 0 reproduces a script that called ``np.random.seed(0)`` first).
    scikit-learn then builds its own ``RandomState``; the global one is
    never used.
    """
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return check_int(seed, "seed", low=0)
    if seed is not None and not isinstance(seed, np.random.Generator):
        raise InvalidTypeError(
            "`seed` must be an int, a numpy.random.Generator or None. "
            f"Received: seed={seed!r} of type {type(seed).__name__}"
        )
    return int(_generator(seed).integers(2**31 - 1))


def _finish(x, y) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)


def make_moons(n_samples=200, noise=0.2, seed=0):
    """Two interleaving half circles, the data set of the two-moons tutorial.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points (split evenly between the two classes).
    noise : float, default 0.2
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, numpy.random.Generator or None, default 0
        Source of randomness. With an int the data equal scikit-learn's
        ``make_moons(random_state=seed)``, so ``make_moons(200, 0.2, seed=0)``
        is the tutorial's set (which seeded NumPy with 0 first).

    Returns
    -------
    x : ndarray of float32, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)

    Example
    -------
    >>> from nnzero.datasets import make_moons
    >>> x, y = make_moons(6, noise=0.0, seed=0)
    >>> x.shape, int(y.sum())
    ((6, 2), 3)
    """
    from sklearn.datasets import make_moons as sk_make_moons

    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    x, y = sk_make_moons(n_samples=n_samples, noise=noise, random_state=_sklearn_seed(seed))
    return _finish(x, y)


def make_circles(n_samples=200, noise=0.1, factor=0.5, seed=0):
    """A small circle (class 1) inside a large one (class 0).

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one, in (0, 1).
    seed : int, numpy.random.Generator or None, default 0
        Source of randomness (an int gives scikit-learn's ``random_state``).

    Example
    -------
    >>> from nnzero.datasets import make_circles
    >>> x, y = make_circles(100, seed=1)
    >>> x.shape, y.tolist().count(1)
    ((100, 2), 50)
    """
    from sklearn.datasets import make_circles as sk_make_circles

    n_samples = check_int(n_samples, "n_samples", low=2)
    noise = check_number(noise, "noise", low=0.0)
    factor = check_number(
        factor, "factor", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    x, y = sk_make_circles(
        n_samples=n_samples, noise=noise, factor=factor, random_state=_sklearn_seed(seed)
    )
    return _finish(x, y)


def make_blobs(n_samples=200, centers=3, n_features=2, cluster_std=1.0, seed=0):
    """Isotropic Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split as evenly as possible between clusters.
    centers : int, default 3
        Number of clusters (and classes); their centres are drawn uniformly
        in the box [-10, 10] in every dimension.
    n_features : int, default 2
        Dimension of each point.
    cluster_std : float, default 1.0
        Standard deviation of every cluster.
    seed : int, numpy.random.Generator or None, default 0
        Source of randomness (an int gives scikit-learn's ``random_state``).

    Example
    -------
    >>> from nnzero.datasets import make_blobs
    >>> x, y = make_blobs(90, centers=3, n_features=4, seed=0)
    >>> x.shape, sorted(set(y.tolist()))
    ((90, 4), [0, 1, 2])
    """
    from sklearn.datasets import make_blobs as sk_make_blobs

    n_samples = check_int(n_samples, "n_samples", low=1)
    centers = check_int(centers, "centers", low=1)
    n_features = check_int(n_features, "n_features", low=1)
    cluster_std = check_number(cluster_std, "cluster_std", low=0.0)
    if n_samples < centers:
        raise InvalidArgumentError(
            f"`n_samples` must be at least `centers` so that every cluster has a point. "
            f"Received: n_samples={n_samples}, centers={centers}"
        )
    x, y = sk_make_blobs(
        n_samples=n_samples,
        n_features=n_features,
        centers=centers,
        cluster_std=cluster_std,
        random_state=_sklearn_seed(seed),
    )
    return _finish(x, y)


def make_xor(n_samples=200, noise=0.15, seed=0):
    """The XOR problem: noisy copies of the four inputs of the truth table.

    Points gather around (0, 0), (0, 1), (1, 0) and (1, 1); a point's class
    is the XOR of its corner's coordinates, so no straight line separates
    the classes and a network needs a hidden layer.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, split as evenly as possible between corners.
    noise : float, default 0.15
        Standard deviation of the Gaussian noise around each corner.
    seed : int, numpy.random.Generator or None, default 0
        Source of randomness.

    Example
    -------
    >>> from nnzero.datasets import make_xor
    >>> x, y = make_xor(4, noise=0.0, seed=0)
    >>> sorted(zip(x.tolist(), y.tolist()))
    [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    """
    n_samples = check_int(n_samples, "n_samples", low=4)
    noise = check_number(noise, "noise", low=0.0)
    rng = _generator(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    # Corner i gets every fourth sample, so counts differ by at most one.
    which = np.arange(n_samples) % 4
    x = corners[which] + rng.normal(0.0, noise, size=(n_samples, 2))
    y = corners[which, 0].astype(np.int64) ^ corners[which, 1].astype(np.int64)
    order = rng.permutation(n_samples)
    return _finish(x[order], y[order])


def make_spirals(n_samples=300, n_classes=3, noise=0.2, turns=1.0, seed=0):
    """Interleaved spiral arms, one class per arm.

    Each arm starts at the origin and winds outwards to radius 1; arm ``k``
    is turned by ``2 * pi * k / n_classes``. Noise is added to the angle, so
    it blurs the arms along their width without pulling points off the disc.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible between arms.
    n_classes : int, default 3
        Number of arms (and classes), at least 2.
    noise : float, default 0.2
        Standard deviation of the Gaussian noise on the angle, in radians.
    turns : float, default 1.0
        How many full turns each arm makes.
    seed : int, numpy.random.Generator or None, default 0
        Source of randomness.

    Example
    -------
    >>> from nnzero.datasets import make_spirals
    >>> x, y = make_spirals(300, n_classes=3, seed=0)
    >>> x.shape, int((y == 0).sum()), int((y == 2).sum())
    ((300, 2), 100, 100)
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    n_classes = check_int(n_classes, "n_classes", low=2)
    noise = check_number(noise, "noise", low=0.0)
    turns = check_number(turns, "turns", low=0.0, low_inclusive=False)
    if n_samples < n_classes:
        raise InvalidArgumentError(
            f"`n_samples` must be at least `n_classes`. "
            f"Received: n_samples={n_samples}, n_classes={n_classes}"
        )
    rng = _generator(seed)
    y = np.arange(n_samples) % n_classes
    # Position along the arm in [0, 1]: evenly spaced within each arm.
    counts = np.bincount(y, minlength=n_classes)
    rank = np.empty(n_samples)
    for k in range(n_classes):
        rank[y == k] = np.linspace(0.0, 1.0, counts[k]) if counts[k] > 1 else 0.5
    angle = 2 * np.pi * (turns * rank + y / n_classes) + rng.normal(0.0, noise, n_samples)
    x = np.column_stack([rank * np.cos(angle), rank * np.sin(angle)])
    order = rng.permutation(n_samples)
    return _finish(x[order], y[order])


def make_tutorial_001(n_samples=10_000, n_features=3, seed=2020):
    """The two-class synthetic set of the Julia binary-classifier tutorial.

    The tutorial draws ``make_blobs(10_000, 3; centers=2, rng=2020)`` from
    MLJBase: 10,000 points in three dimensions around two centres drawn
    uniformly in [-10, 10], with unit standard deviation, and relabels the
    second cluster 0. This draws the same distribution with scikit-learn's
    generator (identical defaults: box [-10, 10], standard deviation 1), so
    the points differ from Julia's but the task is the same: two
    well-separated clusters that a small network classifies perfectly.

    Parameters
    ----------
    n_samples : int, default 10000
        Total number of points, split evenly between the two classes.
    n_features : int, default 3
        Dimension of each point (the tutorial's network is 3-5-3-1).
    seed : int, numpy.random.Generator or None, default 2020
        Source of randomness; the default is the tutorial's seed.

    Example
    -------
    >>> from nnzero.datasets import make_tutorial_001
    >>> x, y = make_tutorial_001()
    >>> x.shape, y.tolist().count(0), y.tolist().count(1)
    ((10000, 3), 5000, 5000)
    """
    return make_blobs(
        n_samples=n_samples, centers=2, n_features=n_features, cluster_std=1.0, seed=seed
    )
