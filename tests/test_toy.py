"""Toy data generators: shapes, dtypes, reproducibility, the tutorials' sets, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as skd
from sklearn.linear_model import LogisticRegression

from nnzero.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_tutorial_001,
    make_xor,
)
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NNZeroError

GENERATORS = {
    "moons": (make_moons, 2, 2),
    "circles": (make_circles, 2, 2),
    "blobs": (make_blobs, 2, 3),
    "xor": (make_xor, 2, 2),
    "spirals": (make_spirals, 2, 3),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_and_labels(name):
    make, width, n_classes = GENERATORS[name]
    x, y = make(n_samples=120, seed=3)
    assert x.shape == (120, width) and x.dtype == np.float32 and x.flags.c_contiguous
    assert y.shape == (120,) and y.dtype == np.int64
    assert sorted(np.unique(y).tolist()) == list(range(n_classes))
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name][0]
    x1, y1 = make(n_samples=60, seed=5)
    x2, y2 = make(n_samples=60, seed=5)
    x3, _ = make(n_samples=60, seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_and_none_seeds_leave_the_global_rng_alone(name):
    make = GENERATORS[name][0]
    before = np.random.get_state()[1].copy()
    x1, _ = make(n_samples=40, seed=np.random.default_rng(1))
    x2, _ = make(n_samples=40, seed=np.random.default_rng(1))
    make(n_samples=40, seed=None)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_moons_seed_0_is_the_two_moons_tutorial_set():
    # The tutorial seeds NumPy's global generator with 0, then calls make_moons(200, noise=0.2).
    expected_x, expected_y = skd.make_moons(200, noise=0.2, random_state=np.random.RandomState(0))
    x, y = make_moons(200, noise=0.2, seed=0)
    np.testing.assert_allclose(x, expected_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y, expected_y)


def test_circles_inner_class_is_closer_to_the_centre():
    x, y = make_circles(400, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-6)
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)


def test_blobs_more_features_and_centres():
    x, y = make_blobs(100, centers=5, n_features=7, seed=0)
    assert x.shape == (100, 7) and np.bincount(y).tolist() == [20] * 5


def test_xor_labels_follow_the_truth_table():
    x, y = make_xor(203, noise=0.1, seed=0)
    corner = np.round(x).astype(int)
    np.testing.assert_array_equal(y, corner[:, 0] ^ corner[:, 1])
    assert np.bincount(y).tolist() in ([101, 102], [102, 101])


def test_spirals_arms_are_balanced_and_inside_the_unit_disc():
    x, y = make_spirals(500, n_classes=5, noise=0.3, seed=0)
    assert np.bincount(y).tolist() == [100] * 5
    assert np.hypot(x[:, 0], x[:, 1]).max() <= 1.0 + 1e-6


def test_spirals_are_not_linearly_separable():
    x, y = make_spirals(300, n_classes=3, noise=0.1, seed=0)
    assert LogisticRegression().fit(x, y).score(x, y) < 0.7


def test_tutorial_001_set_is_large_balanced_and_separable():
    x, y = make_tutorial_001()
    assert x.shape == (10_000, 3) and np.bincount(y).tolist() == [5000, 5000]
    # The tutorial's network reaches a perfect score on it; a linear model does too.
    assert LogisticRegression().fit(x, y).score(x, y) == 1.0
    x2, _ = make_tutorial_001(n_samples=10, n_features=5, seed=1)
    assert x2.shape == (10, 5)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: make_moons(n_samples=1), InvalidArgumentError, "n_samples"),
        (lambda: make_moons(n_samples=2.5), InvalidTypeError, "n_samples"),
        (lambda: make_moons(n_samples=True), InvalidTypeError, "n_samples"),
        (lambda: make_moons(noise=-0.1), InvalidArgumentError, "noise"),
        (lambda: make_moons(noise=float("nan")), InvalidArgumentError, "noise"),
        (lambda: make_moons(noise="high"), InvalidTypeError, "noise"),
        (lambda: make_moons(seed=-1), InvalidArgumentError, "seed"),
        (lambda: make_moons(seed="zero"), InvalidTypeError, "seed"),
        (lambda: make_moons(seed=1.5), InvalidTypeError, "seed"),
        (lambda: make_circles(factor=1.0), InvalidArgumentError, "factor"),
        (lambda: make_circles(factor=0.0), InvalidArgumentError, "factor"),
        (lambda: make_blobs(n_samples=2, centers=3), InvalidArgumentError, "centers"),
        (lambda: make_blobs(centers=0), InvalidArgumentError, "centers"),
        (lambda: make_blobs(n_features=0), InvalidArgumentError, "n_features"),
        (lambda: make_blobs(cluster_std=-1.0), InvalidArgumentError, "cluster_std"),
        (lambda: make_xor(n_samples=3), InvalidArgumentError, "n_samples"),
        (lambda: make_xor(seed=-3), InvalidArgumentError, "seed"),
        (lambda: make_spirals(n_classes=1), InvalidArgumentError, "n_classes"),
        (lambda: make_spirals(n_samples=2, n_classes=3), InvalidArgumentError, "n_classes"),
        (lambda: make_spirals(turns=0), InvalidArgumentError, "turns"),
        (lambda: make_spirals(noise=-1), InvalidArgumentError, "noise"),
        (lambda: make_tutorial_001(n_samples=1), InvalidArgumentError, "n_samples"),
    ],
)
def test_bad_arguments_raise_one_clear_error(call, error, words):
    with pytest.raises(error, match=words) as info:
        call()
    assert isinstance(info.value, NNZeroError)
