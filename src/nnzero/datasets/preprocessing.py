"""Preprocessing: feature scaling fitted on the training set, one-hot
encoding, and a stratified train/validation split.

Scalers learn their statistics from the training data only (``fit``) and
apply them unchanged to validation and test data (``transform``), so no
information leaks from held-out data into training.

Example
-------
>>> import numpy as np
>>> from nnzero.datasets import StandardScaler
>>> scaler = StandardScaler().fit(np.array([[0.0], [2.0]]))
>>> scaler.transform(np.array([[4.0]])).tolist()
[[3.0]]
"""

from __future__ import annotations

import numpy as np

from nnzero._validation import (
    as_float_array,
    check_bool,
    check_int,
    check_number,
    check_same_length,
)
from nnzero.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["MinMaxScaler", "StandardScaler", "one_hot", "train_val_split"]


class _Scaler:
    """Shared logic: ``x * scale_ + offset_`` per feature, learnt by ``fit``."""

    def __init__(self):
        self.scale_ = None
        self.offset_ = None
        self.n_features_in_ = None

    def _statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, x):
        """Learn the per-feature statistics of ``x`` (the training set); returns self."""
        x = as_float_array(x, "x", np.float64)
        if x.ndim != 2:
            raise InvalidArgumentError(
                f"`x` must be 2-D (n_samples, n_features). Received: shape {x.shape}"
            )
        self.scale_, self.offset_ = self._statistics(x)
        self.n_features_in_ = x.shape[1]
        return self

    def _check(self, x, name="x") -> np.ndarray:
        if self.scale_ is None:
            raise InvalidArgumentError(
                f"This {type(self).__name__} is not fitted yet; call fit(x_train) first."
            )
        x = as_float_array(x, name, np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise InvalidArgumentError(
                f"`{name}` must have shape (n_samples, {self.n_features_in_}), the width the "
                f"scaler was fitted on. Received: shape {x.shape}"
            )
        return x

    def transform(self, x) -> np.ndarray:
        """Scale ``x`` with the fitted statistics; float32 output."""
        x = self._check(x)
        return (x * self.scale_ + self.offset_).astype(np.float32)

    def fit_transform(self, x) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, x) -> np.ndarray:
        """Undo ``transform``: back to the original units (float32)."""
        x = self._check(x)
        return ((x - self.offset_) / self.scale_).astype(np.float32)


class StandardScaler(_Scaler):
    """Shift and scale every feature to mean 0 and standard deviation 1.

    A constant feature (standard deviation 0) is only centred, so it maps to
    0 rather than dividing by zero.

    Attributes
    ----------
    mean_, std_ : ndarray of float64, shape (n_features,)
        Statistics of the training data.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.datasets import StandardScaler
    >>> x_train = np.array([[1.0, 5.0], [3.0, 5.0]])
    >>> scaler = StandardScaler().fit(x_train)
    >>> scaler.transform(x_train).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> scaler.inverse_transform([[0.0, 0.0]]).tolist()
    [[2.0, 5.0]]
    """

    def _statistics(self, x):
        self.mean_ = x.mean(axis=0)
        self.std_ = x.std(axis=0)
        scale = 1.0 / np.where(self.std_ > 0, self.std_, 1.0)
        return scale, -self.mean_ * scale

    def __repr__(self):
        return "StandardScaler()"


class MinMaxScaler(_Scaler):
    """Map every feature's training range linearly onto ``feature_range``.

    A constant feature maps to the lower end of the range. Values outside
    the training range (in test data) fall outside ``feature_range``; they
    are not clipped.

    Parameters
    ----------
    feature_range : (float, float), default (0, 1)
        Target interval; the first value must be below the second.

    Attributes
    ----------
    data_min_, data_max_ : ndarray of float64, shape (n_features,)
        Per-feature extremes of the training data.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.datasets import MinMaxScaler
    >>> scaler = MinMaxScaler(feature_range=(-1, 1)).fit(np.array([[0.0], [10.0]]))
    >>> scaler.transform(np.array([[5.0], [20.0]])).tolist()
    [[0.0], [3.0]]
    """

    def __init__(self, feature_range=(0.0, 1.0)):
        super().__init__()
        if not isinstance(feature_range, (tuple, list)) or len(feature_range) != 2:
            raise InvalidTypeError(
                "`feature_range` must be a pair (low, high). "
                f"Received: feature_range={feature_range!r}"
            )
        low = check_number(feature_range[0], "feature_range[0]")
        high = check_number(feature_range[1], "feature_range[1]")
        if not low < high:
            raise InvalidArgumentError(
                f"`feature_range` must have low < high. Received: feature_range={feature_range!r}"
            )
        self.feature_range = (low, high)

    def _statistics(self, x):
        self.data_min_ = x.min(axis=0)
        self.data_max_ = x.max(axis=0)
        span = self.data_max_ - self.data_min_
        low, high = self.feature_range
        scale = (high - low) / np.where(span > 0, span, 1.0)
        return scale, low - self.data_min_ * scale

    def __repr__(self):
        return f"MinMaxScaler(feature_range={self.feature_range})"


def _class_labels(y, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D int64 array of non-negative class indices."""
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`{name}` must be array-like of class indices. {err}") from None
    if arr.ndim != 1:
        raise InvalidArgumentError(f"`{name}` must be 1-D. Received: shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or arr.dtype == np.bool_:
        raise InvalidTypeError(
            f"`{name}` must hold integer class indices. Received: an array of dtype {arr.dtype}"
        )
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(
            f"`{name}` must hold class indices >= 0. Received: minimum {int(arr.min())}"
        )
    return arr.astype(np.int64)


def one_hot(y, n_classes=None) -> np.ndarray:
    """One float32 row per label with a 1 in the label's column.

    Parameters
    ----------
    y : array-like of int, shape (n_samples,)
        Class indices from 0.
    n_classes : int, optional
        Number of columns; by default ``max(y) + 1``.

    Example
    -------
    >>> from nnzero.datasets import one_hot
    >>> one_hot([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    y = _class_labels(y)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    else:
        n_classes = check_int(n_classes, "n_classes", low=1)
        if y.size and y.max() >= n_classes:
            raise InvalidArgumentError(
                f"`y` holds class {int(y.max())}, which needs n_classes > {int(y.max())}. "
                f"Received: n_classes={n_classes}"
            )
    out = np.zeros((y.size, n_classes), dtype=np.float32)
    out[np.arange(y.size), y] = 1.0
    return out


def train_val_split(x, y, val_fraction=0.15, seed=42, stratify=True):
    """Hold out a random fraction of the samples for validation.

    With ``stratify`` both parts keep the classes' proportions. The split
    depends only on ``seed``; ``stratify=False`` with the defaults draws the
    same split as ``train_test_split(x, y, test_size=0.15, random_state=42)``,
    as in the MNIST tutorial.

    Parameters
    ----------
    x : array-like, shape (n_samples, ...)
    y : array-like, shape (n_samples,) or (n_samples, n_classes)
        Targets; one-hot rows are stratified by their argmax. Continuous
        (regression) targets need ``stratify=False``.
    val_fraction : float, default 0.15
        Share of the samples held out, in (0, 1).
    seed : int, default 42
        Seed of the shuffle.
    stratify : bool, default True
        Keep the class proportions in both parts.

    Returns
    -------
    ((x_train, y_train), (x_val, y_val))
        The same layout as the data-set loaders.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.datasets import train_val_split
    >>> x, y = np.arange(40).reshape(20, 2), np.array([0] * 10 + [1] * 10)
    >>> (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.2)
    >>> len(x_train), len(x_val), int(y_val.sum())
    (16, 4, 2)
    """
    from sklearn.model_selection import train_test_split

    val_fraction = check_number(
        val_fraction, "val_fraction", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    seed = check_int(seed, "seed", low=0)
    stratify = check_bool(stratify, "stratify")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise InvalidArgumentError("`x` and `y` must be arrays with one row per sample.")
    check_same_length(x, y)
    n_val = int(np.ceil(val_fraction * len(x)))
    if n_val < 1 or n_val >= len(x):
        raise InvalidArgumentError(
            f"val_fraction={val_fraction} of {len(x)} samples leaves no samples for training "
            "or none for validation."
        )
    groups = _strata(y) if stratify else None
    if groups is not None:
        counts = np.unique(groups, return_counts=True)[1]
        n_classes = len(counts)
        if counts.min() < 2 or n_val < n_classes or len(x) - n_val < n_classes:
            raise InvalidArgumentError(
                f"Cannot stratify: every class needs at least 2 samples and each part at least "
                f"one sample per class ({n_classes} classes; smallest has {counts.min()}, "
                f"validation part {n_val}). Pass stratify=False or a larger val_fraction."
            )
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=val_fraction, random_state=seed, stratify=groups
    )
    return (x_train, y_train), (x_val, y_val)


def _strata(y: np.ndarray) -> np.ndarray:
    """Class of each sample for stratification."""
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)  # one-hot rows
    if y.ndim == 2:
        y = y[:, 0]  # a single sigmoid target column
    if y.ndim != 1:
        raise InvalidArgumentError(f"`y` must be 1-D or 2-D. Received: shape {y.shape}")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise InvalidArgumentError(
            "`y` holds continuous values, which cannot be stratified. Pass stratify=False "
            "for regression targets."
        )
    return y
