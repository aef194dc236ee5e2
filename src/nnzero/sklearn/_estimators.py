"""NNClassifier and NNRegressor: nnzero networks as scikit-learn estimators."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..errors import InvalidArgumentError
from ._base import BaseNN

_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden Dense layer; ``()`` gives no hidden layer.
    activation : str or activation object, default="relu"
        Activation of the hidden layers (any name of :mod:`nnzero.activations`).
    optimizer : str or optimizer object, default="adam"
        A name of :mod:`nnzero.optimizers`, built with ``learning_rate``; an
        optimizer object is copied at each fresh fit and used as it is.
    learning_rate : float, default=1e-3
        Step size of the named optimizer.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    epochs : int, default=200
        Most passes over the data one ``fit`` makes (``partial_fit`` makes one).
    alpha : float, default=1e-4
        L2 penalty ``alpha * sum(w**2)`` on every kernel, added to the mean
        loss as :class:`nnzero.regularizers.L2` does.
    dropout : float, default=0.0
        Dropout rate after each hidden layer (training only).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the model keeps its best epoch's weights.
        Works with ``partial_fit`` too: its first call holds out the
        validation set (or reuses the one of a preceding ``fit``), every call
        is one epoch of the same run, and once the run has stopped further
        calls leave the model unchanged (``fit`` starts a new run).
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping. Without early stopping,
        ``fit`` also stops when the training loss stalls this long.
    tol : float, default=1e-4
        Smallest decrease of the watched loss counted as an improvement.
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, RandomState or None, default=None
        Seeds the weights, the shuffling, dropout and the validation split:
        the same integer gives the same model.
    warm_start : bool, default=False
        ``fit`` continues from the current weights (and optimizer state)
        instead of starting afresh.
    verbose : {0, 1, 2} or bool, default=0
        Print one line per epoch (nnzero's ``fit`` output).
    dtype : {"float32", "float64"}, default="float64"
        Precision of the network. float64 by default, like scikit-learn's own
        estimators: float32 is faster on large networks, but its rounding
        (about 1e-7) makes a sample's prediction depend slightly on the batch
        it is predicted in, which scikit-learn's conventions do not allow
        (see :func:`expected_failed_checks`).

    Attributes
    ----------
    model_ : nnzero.Sequential
        The trained network (save it, export it to ONNX...).
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    n_iter_ : int
        Epochs the model has been trained in all, across warm-started fits
        and ``partial_fit`` calls; always ``len(loss_curve_)``.
    t_ : int
        Training samples seen in all.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) of each epoch.
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch under early stopping, else None.
    validation_scores_ : list of float or None
        Validation score ({score}) of each epoch under early stopping, else None.
    best_loss_ : float
        Lowest watched loss so far (validation loss under early stopping).
    stopped_early_ : bool
        True when early stopping ended the current run.
"""


def expected_failed_checks(estimator) -> dict[str, str]:
    """The scikit-learn estimator checks an nnzero estimator cannot pass as
    configured, each with its reason — for ``check_estimator`` and
    ``parametrize_with_checks``. Empty at the default float64.

    Parameters
    ----------
    estimator : NNClassifier or NNRegressor
        The estimator as configured.

    Returns
    -------
    dict of str to str
        Check name to the reason it fails.

    Examples
    --------
    >>> from nnzero.sklearn import NNClassifier, expected_failed_checks
    >>> expected_failed_checks(NNClassifier())
    {}
    >>> len(expected_failed_checks(NNClassifier(dtype="float32")))
    3
    """
    try:
        single = np.dtype(getattr(estimator, "dtype", "float64")) == np.float32
    except TypeError:
        single = False
    if not single:
        return {}
    reason = (
        "float32 rounding (about 1e-7 relative) exceeds the check's rtol=1e-7; "
        "the check passes with dtype='float64'"
    )
    return {
        # Summation order changes with the batch's size or order under BLAS.
        "check_methods_subset_invariance": reason,
        "check_methods_sample_order_invariance": reason,
        # Weighted and repeated samples sum in a different order.
        "check_sample_weight_equivalence_on_dense_data": reason,
    }


class NNClassifier(ClassifierMixin, BaseNN):
    """A feed-forward network classifier (softmax output, cross-entropy
    loss) with scikit-learn's API. Labels may be of any type: strings,
    non-contiguous integers...
    {parameters}
    classes_ : ndarray
        The class labels, sorted; ``predict_proba`` columns follow them.

    Example
    -------
    >>> from sklearn.datasets import make_blobs
    >>> from nnzero.sklearn import NNClassifier
    >>> X, y = make_blobs(n_samples=60, centers=[[-3, -3], [3, 3]], random_state=0)
    >>> labels = ["cat" if c else "dog" for c in y]
    >>> clf = NNClassifier(hidden_layer_sizes=(8,), epochs=50, learning_rate=0.05,
    ...                    random_state=0).fit(X, labels)
    >>> clf.classes_.tolist(), clf.score(X, labels)
    (['cat', 'dog'], 1.0)
    """

    __doc__ = __doc__.replace("{parameters}", _PARAMETERS.replace("{score}", "accuracy"))
    _output_activation = "softmax"
    _loss = "sparse_categorical_crossentropy"
    _multi_output = False

    def fit(self, X, y, sample_weight=None):  # noqa: N803 (scikit-learn API)
        """Train on ``(X, y)`` (from scratch unless ``warm_start``); returns self."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):  # noqa: N803 (scikit-learn API)
        """One epoch over ``(X, y)``. The first call must pass ``classes``,
        every label that will ever appear.

        >>> import numpy as np
        >>> from nnzero.sklearn import NNClassifier
        >>> clf = NNClassifier(hidden_layer_sizes=(4,), random_state=0)
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
        >>> clf = clf.partial_fit(X[:2], [1, 1], classes=[1, 5])
        >>> clf = clf.partial_fit(X[2:], [5, 5])
        >>> clf.n_iter_, clf.classes_.tolist()
        (2, [1, 5])
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict_proba(self, X):  # noqa: N803 (scikit-learn API)
        """Class probabilities, one column per entry of ``classes_``."""
        return self._network_output(X)

    def predict_log_proba(self, X):  # noqa: N803 (scikit-learn API)
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):  # noqa: N803 (scikit-learn API)
        """The most probable class label of each sample."""
        proba = self.predict_proba(X)  # first, so an unfitted model raises NotFittedError
        return self.classes_[np.argmax(proba, axis=1)]

    def _n_network_outputs(self):
        return len(self.classes_)

    def _prepare_targets(self, y, fresh, incremental, classes=None):
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise InvalidArgumentError(
                f"NNClassifier supports binary and multiclass targets. Received: {kind} targets"
            )
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not fresh and not np.array_equal(classes, self.classes_):
                raise InvalidArgumentError(
                    f"`classes` must match those of the first call, {self.classes_.tolist()}. "
                    f"Received: classes={classes.tolist()}"
                )
        if fresh:
            if incremental and classes is None:
                raise InvalidArgumentError(
                    "`classes` must be passed on the first call to partial_fit, "
                    "listing every label the data will contain."
                )
            found = np.unique(y) if classes is None else classes
            if len(found) < 2:
                raise InvalidArgumentError(
                    "NNClassifier needs samples of at least 2 classes. "
                    f"Received: 1 class ({found[0]!r})"
                )
        else:
            found = self.classes_
        index = np.searchsorted(found, y)
        index[index == len(found)] = 0
        unknown = found[index] != y
        if unknown.any():
            raise InvalidArgumentError(
                f"`y` holds labels the model was not set up for: "
                f"{np.unique(np.asarray(y)[unknown]).tolist()}. Known classes: {found.tolist()}"
            )
        if fresh:
            self.classes_ = found
        return index.astype(np.int64)

    def _stratify(self, y, n_val):
        # Stratify where every class can appear on both sides of the split.
        counts = np.bincount(y)
        present = counts[counts > 0]
        fits = min(n_val, len(y) - n_val) >= len(present) and present.min() >= 2
        return y if fits else None

    def _validation_score(self, out, y, weights):
        return float(np.average(np.argmax(out, axis=1) == y, weights=weights))


class NNRegressor(RegressorMixin, BaseNN):
    """A feed-forward network regressor (linear output, squared-error loss)
    with scikit-learn's API; ``y`` may have several columns (multi-output).
    {parameters}
    n_outputs_ : int
        Number of targets.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.sklearn import NNRegressor
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> Y = np.hstack([2 * X, -X + 1])            # two targets
    >>> reg = NNRegressor(hidden_layer_sizes=(), epochs=300, learning_rate=0.05,
    ...                   random_state=0).fit(X, Y)
    >>> reg.predict(X[:2]).shape, round(reg.score(X, Y), 3)
    ((2, 2), 1.0)
    """

    __doc__ = __doc__.replace("{parameters}", _PARAMETERS.replace("{score}", "R²"))
    _output_activation = "linear"
    _loss = "mse"
    _multi_output = True

    def fit(self, X, y, sample_weight=None):  # noqa: N803 (scikit-learn API)
        """Train on ``(X, y)`` (from scratch unless ``warm_start``); returns self."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):  # noqa: N803 (scikit-learn API)
        """One epoch over ``(X, y)``, continuing from the current weights.

        >>> import numpy as np
        >>> from nnzero.sklearn import NNRegressor
        >>> reg = NNRegressor(hidden_layer_sizes=(4,), random_state=0)
        >>> for _ in range(3):
        ...     reg = reg.partial_fit(np.ones((4, 2)), np.zeros(4))
        >>> reg.n_iter_, len(reg.loss_curve_)
        (3, 3)
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):  # noqa: N803 (scikit-learn API)
        """Predicted targets: shape (n_samples,) for one target, else
        (n_samples, n_outputs_)."""
        out = self._network_output(X)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def _n_network_outputs(self):
        return self.n_outputs_

    def _prepare_targets(self, y, fresh, incremental, classes=None):
        y = np.asarray(y, dtype=np.float64)
        y = y.reshape(-1, 1) if y.ndim == 1 else y
        if fresh:
            self.n_outputs_ = y.shape[1]
        elif y.shape[1] != self.n_outputs_:
            raise InvalidArgumentError(
                f"`y` must have {self.n_outputs_} target column(s), as in the first fit. "
                f"Received: {y.shape[1]}"
            )
        return y

    def _validation_score(self, out, y, weights):
        return float(r2_score(y, out, sample_weight=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
