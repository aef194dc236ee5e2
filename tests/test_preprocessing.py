"""Scalers, one-hot encoding and the train/validation split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import preprocessing as skp
from sklearn.model_selection import train_test_split

from nnzero.datasets import MinMaxScaler, StandardScaler, one_hot, train_val_split
from nnzero.errors import InvalidArgumentError, InvalidTypeError, NNZeroError

RNG = np.random.default_rng(0)
X_TRAIN = RNG.normal(3.0, 2.0, size=(50, 4))
X_TEST = RNG.normal(3.0, 2.0, size=(20, 4))

# --- scalers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (StandardScaler(), skp.StandardScaler()),
        (MinMaxScaler(), skp.MinMaxScaler()),
        (MinMaxScaler((-1, 1)), skp.MinMaxScaler((-1, 1))),
    ],
)
def test_scalers_match_scikit_learn_and_use_train_statistics_only(ours, theirs):
    train = ours.fit_transform(X_TRAIN)
    test = ours.transform(X_TEST)
    theirs.fit(X_TRAIN)
    assert train.dtype == np.float32 and test.dtype == np.float32
    np.testing.assert_allclose(train, theirs.transform(X_TRAIN), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(test, theirs.transform(X_TEST), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.inverse_transform(test), X_TEST, rtol=1e-5, atol=1e-5)
    assert ours.n_features_in_ == 4


def test_standard_scaler_statistics_and_constant_feature():
    x = np.array([[1.0, 7.0], [3.0, 7.0]])
    scaler = StandardScaler().fit(x)
    np.testing.assert_array_equal(scaler.mean_, [2.0, 7.0])
    np.testing.assert_array_equal(scaler.std_, [1.0, 0.0])
    np.testing.assert_array_equal(scaler.transform(x), [[-1, 0], [1, 0]])
    np.testing.assert_array_equal(scaler.inverse_transform([[0, 0]]), [[2, 7]])
    assert repr(scaler) == "StandardScaler()"


def test_min_max_scaler_constant_feature_and_values_outside_the_range():
    scaler = MinMaxScaler(feature_range=(2, 4)).fit([[0.0, 5.0], [10.0, 5.0]])
    np.testing.assert_array_equal(scaler.data_min_, [0, 5])
    np.testing.assert_array_equal(scaler.data_max_, [10, 5])
    np.testing.assert_array_equal(scaler.transform([[5.0, 5.0], [20.0, 5.0]]), [[3, 2], [6, 2]])
    assert repr(scaler) == "MinMaxScaler(feature_range=(2.0, 4.0))"


@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler()])
def test_scaler_errors(scaler):
    with pytest.raises(InvalidArgumentError, match="not fitted"):
        scaler.transform(X_TEST)
    with pytest.raises(InvalidArgumentError, match="not fitted"):
        scaler.inverse_transform(X_TEST)
    with pytest.raises(InvalidArgumentError, match="2-D"):
        scaler.fit(np.zeros((3, 2, 2)))
    with pytest.raises(InvalidArgumentError, match="2-D"):
        scaler.fit(np.zeros(3))
    with pytest.raises(InvalidArgumentError, match="NaN"):
        scaler.fit([[1.0], [np.nan]])
    with pytest.raises(InvalidTypeError, match="numeric"):
        scaler.fit([["a"], ["b"]])
    scaler.fit(X_TRAIN)
    with pytest.raises(InvalidArgumentError, match=r"\(n_samples, 4\)"):
        scaler.transform(X_TEST[:, :3])
    with pytest.raises(InvalidArgumentError, match="NaN"):
        scaler.transform(np.full((1, 4), np.inf))


@pytest.mark.parametrize(
    ("feature_range", "error"),
    [
        ((1, 0), InvalidArgumentError),
        ((1, 1), InvalidArgumentError),
        ((0, float("inf")), InvalidArgumentError),
        ((0, 1, 2), InvalidTypeError),
        (1.0, InvalidTypeError),
        (("a", 1), InvalidTypeError),
    ],
)
def test_min_max_scaler_bad_range(feature_range, error):
    with pytest.raises(error, match="feature_range"):
        MinMaxScaler(feature_range)


# --- one_hot -----------------------------------------------------------------------------


def test_one_hot():
    out = one_hot([2, 0, 1, 2])
    assert out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_array_equal(out.argmax(axis=1), [2, 0, 1, 2])
    np.testing.assert_array_equal(out.sum(axis=1), 1)
    assert one_hot(np.array([1.0, 0.0]), n_classes=4).shape == (2, 4)
    assert one_hot(np.array([], dtype=np.int64)).shape == (0, 0)
    assert one_hot(np.array([], dtype=np.int64), n_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "words"),
    [
        ([0, -1], {}, InvalidArgumentError, ">= 0"),
        ([0, 1.5], {}, InvalidTypeError, "integer"),
        (["a", "b"], {}, InvalidTypeError, "integer"),
        ([True, False], {}, InvalidTypeError, "integer"),
        ([[0, 1]], {}, InvalidArgumentError, "1-D"),
        ([0, 3], {"n_classes": 3}, InvalidArgumentError, "n_classes > 3"),
        ([0], {"n_classes": 0}, InvalidArgumentError, "n_classes"),
        ([0], {"n_classes": 2.0}, InvalidTypeError, "n_classes"),
    ],
)
def test_one_hot_errors(y, kwargs, error, words):
    with pytest.raises(error, match=words):
        one_hot(y, **kwargs)


# --- train_val_split ---------------------------------------------------------------------


def test_split_sizes_and_stratification():
    x = np.arange(200).reshape(100, 2)
    y = np.array([0] * 80 + [1] * 20)
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y)
    assert len(x_val) == 15 and len(x_train) == 85  # ceil(0.15 * 100)
    assert np.bincount(y_val).tolist() == [12, 3]
    # Every sample lands in exactly one part, with its own label.
    together = np.concatenate([x_train, x_val])
    assert sorted(together[:, 0].tolist()) == list(range(0, 200, 2))
    np.testing.assert_array_equal(np.concatenate([y_train, y_val]), y[together[:, 0] // 2])


def test_split_is_deterministic_and_matches_the_tutorial_without_stratify():
    x, y = RNG.normal(size=(60, 3)), RNG.integers(0, 3, 60)
    first = train_val_split(x, y, seed=7)
    again = train_val_split(x, y, seed=7)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, stratify=False)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.15, random_state=42)
    np.testing.assert_array_equal(x_train, x_tr)
    np.testing.assert_array_equal(y_val, y_va)


def test_split_one_hot_and_single_column_targets():
    y = np.array([0, 1] * 20)
    (_, y_train), (_, y_val) = train_val_split(np.zeros((40, 1)), one_hot(y), val_fraction=0.5)
    assert y_val.shape == (20, 2) and y_val[:, 1].sum() == 10
    (_, _), (_, y_val) = train_val_split(np.zeros((40, 1)), y[:, None], val_fraction=0.5)
    assert y_val.shape == (20, 1) and y_val.sum() == 10


def test_split_regression_targets_without_stratify():
    y = RNG.normal(size=30)
    (_, y_train), (_, y_val) = train_val_split(np.zeros((30, 2)), y, stratify=False)
    assert len(y_train) + len(y_val) == 30
    with pytest.raises(InvalidArgumentError, match="stratify=False"):
        train_val_split(np.zeros((30, 2)), y)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((np.zeros((10, 2)), np.zeros(9)), {}, InvalidArgumentError, "same number"),
        ((np.zeros((10, 2)), np.zeros(10)), {"val_fraction": 0.0}, InvalidArgumentError, "val_"),
        ((np.zeros((10, 2)), np.zeros(10)), {"val_fraction": 1.0}, InvalidArgumentError, "val_"),
        ((np.zeros((10, 2)), np.zeros(10)), {"val_fraction": 0.99}, InvalidArgumentError,
         "none for validation"),
        ((np.zeros((10, 2)), np.zeros(10)), {"val_fraction": "0.1"}, InvalidTypeError, "val_"),
        ((np.zeros((10, 2)), np.zeros(10)), {"seed": -1}, InvalidArgumentError, "seed"),
        ((np.zeros((10, 2)), np.zeros(10)), {"stratify": "yes"}, InvalidTypeError, "stratify"),
        ((np.zeros((10, 2)), np.array([0] * 9 + [1])), {}, InvalidArgumentError,
         "smallest has 1"),
        ((np.zeros((20, 2)), np.arange(20) % 5), {"val_fraction": 0.1}, InvalidArgumentError,
         "Cannot stratify"),
        ((np.zeros((4, 2)), np.zeros((4, 2, 2))), {}, InvalidArgumentError, "1-D or 2-D"),
        ((np.float64(1.0), np.zeros(1)), {}, InvalidArgumentError, "one row per sample"),
    ],
)
def test_split_errors(args, kwargs, error, words):
    with pytest.raises(error, match=words) as info:
        train_val_split(*args, **kwargs)
    assert isinstance(info.value, NNZeroError)
