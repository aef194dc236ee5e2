"""What NNClassifier and NNRegressor share: parameters, building the
network, and the training loop with early stopping that works the same way
under ``fit`` and ``partial_fit``.

The estimator only orchestrates: the network is an ordinary
:class:`nnzero.Sequential`, trained by its own ``fit`` one call at a time, and
a callback records the curves and decides when to stop.
"""

from __future__ import annotations

import copy
import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import activations, layers, optimizers, regularizers
from .._validation import check_bool, check_dtype, check_int, check_number, check_positive
from ..errors import InvalidArgumentError, InvalidTypeError
from ..model import Sequential
from ..model.callbacks import Callback

_AUTO_BATCH = 200  # batch_size="auto" is min(200, n_samples), as in scikit-learn's MLP


class BaseNN(BaseEstimator):
    """Parameters and training shared by the two estimators (not public)."""

    # Set by the subclasses.
    _output_activation = "linear"
    _loss = "mse"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        learning_rate=1e-3,
        batch_size="auto",
        epochs=200,
        alpha=1e-4,
        dropout=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=0,
        dtype="float64",
    ):
        # scikit-learn convention: store the parameters untouched; every
        # check happens in fit, so clone/set_params never fail.
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.alpha = alpha
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.dtype = dtype

    # -- subclass hooks --------------------------------------------------------
    def _prepare_targets(self, y, fresh: bool, incremental: bool, classes=None):
        """Encode validated ``y`` for the network; set target attributes."""
        raise NotImplementedError

    def _validation_score(self, out, y, weights) -> float:
        """The estimator's score (accuracy or R²) from network outputs."""
        raise NotImplementedError

    def _stratify(self, y, n_val: int):
        """Labels to stratify the validation split by, or None."""
        return None

    # -- parameters -------------------------------------------------------------
    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise InvalidTypeError(
                "`hidden_layer_sizes` must be an int or a sequence of ints. "
                f"Received: hidden_layer_sizes={self.hidden_layer_sizes!r}"
            )
        return tuple(check_int(s, "hidden_layer_sizes", low=1) for s in sizes)

    def _check_params(self) -> dict:
        """Validate every parameter once, at the start of fit/partial_fit."""
        batch = self.batch_size
        if not (isinstance(batch, str) and batch == "auto"):
            batch = check_int(batch, "batch_size", low=1)
        for name in ("early_stopping", "shuffle", "warm_start"):
            check_bool(getattr(self, name), name)
        if self.verbose not in (0, 1, 2):
            raise InvalidArgumentError(
                f"`verbose` must be 0, 1, 2 or a bool. Received: verbose={self.verbose!r}"
            )
        return {
            "hidden": self._hidden_sizes(),
            "activation": activations.get(self.activation),
            "batch_size": batch,
            "epochs": check_int(self.epochs, "epochs", low=1),
            "alpha": check_number(self.alpha, "alpha", low=0.0),
            "dropout": check_number(self.dropout, "dropout", low=0.0, high=1.0,
                                    high_inclusive=False),
            "validation_fraction": check_number(
                self.validation_fraction, "validation_fraction", low=0.0, high=1.0,
                low_inclusive=False, high_inclusive=False),
            "n_iter_no_change": check_int(self.n_iter_no_change, "n_iter_no_change", low=1),
            "tol": check_number(self.tol, "tol", low=0.0),
            "dtype": check_dtype(self.dtype),
            "learning_rate": check_positive(self.learning_rate, "learning_rate"),
        }

    def _new_optimizer(self, learning_rate):
        if isinstance(self.optimizer, str):
            return optimizers.get({"name": self.optimizer, "learning_rate": learning_rate})
        # A copy, so that training never changes the object held as a parameter.
        return copy.deepcopy(optimizers.get(self.optimizer))

    def _build_model(self, p: dict, n_features: int, n_outputs: int, seed: int) -> Sequential:
        def regularizer():
            return regularizers.L2(p["alpha"]) if p["alpha"] > 0 else None

        stack = []
        for units in p["hidden"]:
            stack.append(layers.Dense(units, activation=p["activation"],
                                      kernel_regularizer=regularizer()))
            if p["dropout"] > 0:
                stack.append(layers.Dropout(p["dropout"]))
        stack.append(layers.Dense(n_outputs, activation=self._output_activation,
                                  kernel_regularizer=regularizer()))
        model = Sequential(stack, seed=seed, dtype=p["dtype"].name)
        model.compile(optimizer=self._new_optimizer(p["learning_rate"]), loss=self._loss)
        model.build((n_features,))
        return model

    # -- training ---------------------------------------------------------------
    def _fit(self, x, y, sample_weight, incremental: bool, classes=None):
        p = self._check_params()
        fresh = not hasattr(self, "model_") or not (incremental or self.warm_start)
        x, y = validate_data(
            self, x, y, reset=fresh, dtype=(np.float64, np.float32),
            multi_output=self._multi_output, y_numeric=self._multi_output,
        )
        y = self._prepare_targets(y, fresh, incremental, classes)
        weights = _check_weights(sample_weight, len(x))
        rng = check_random_state(self.random_state)
        if fresh:
            n_outputs = self._n_network_outputs()
            seed = int(rng.randint(np.iinfo(np.int32).max))
            self.model_ = self._build_model(p, x.shape[1], n_outputs, seed)
            self.n_iter_, self.t_ = 0, 0
            self.loss_curve_ = []
            self._val_losses, self._val_scores = [], []
            self._validation = None
            self._reset_stopping()
        elif not incremental or not self._incremental_run:
            # Each warm-started fit is a new run, and so are the partial_fit
            # calls that follow a fit.
            self._reset_stopping()
        self._incremental_run = incremental
        if incremental and self.stopped_early_:
            return self  # early stopping ended this run of partial_fit calls

        if self.early_stopping:
            x, y, weights = self._split_validation(x, y, weights, p, rng, incremental)
        weights = _mean_one(weights)
        n = len(x)
        batch = min(_AUTO_BATCH, n) if p["batch_size"] == "auto" else min(p["batch_size"], n)
        validation = self._validation if self.early_stopping else None
        monitor = _EpochMonitor(self, validation, p, n, stop_on_train_loss=not incremental)
        self.model_.fit(
            x, y,
            epochs=1 if incremental else p["epochs"],
            batch_size=batch,
            validation_data=validation,
            shuffle=bool(self.shuffle),
            callbacks=[monitor],
            verbose=int(self.verbose),
            sample_weight=weights,
        )
        self._publish_curves()
        return self

    def _reset_stopping(self):
        self.best_loss_ = math.inf
        self._no_improvement_count = 0
        self._best_weights = None
        self.stopped_early_ = False

    def _split_validation(self, x, y, weights, p, rng, incremental):
        """Hold out ``validation_fraction`` of the data. ``partial_fit``
        keeps the set held out by its first call, so every later call is
        judged on the same samples."""
        if incremental and self._validation is not None:
            return x, y, weights
        n_val = math.ceil(len(x) * p["validation_fraction"])
        if len(x) < 2 or n_val >= len(x):
            raise InvalidArgumentError(
                f"early_stopping holds out validation_fraction={p['validation_fraction']} of "
                f"the samples, which leaves none to train on out of {len(x)}."
            )
        stratify = self._stratify(y, n_val)
        parts = [x, y] + ([] if weights is None else [weights])
        split = train_test_split(*parts, test_size=n_val, random_state=rng, stratify=stratify)
        x, xv, y, yv = split[:4]
        wv = None
        if weights is not None:
            weights, wv = split[4], split[5]
        self._validation = (xv, yv, _mean_one(wv))
        return x, y, weights

    def _publish_curves(self):
        if self.early_stopping:
            self.validation_loss_curve_ = list(self._val_losses)
            self.validation_scores_ = list(self._val_scores)
        else:
            self.validation_loss_curve_ = self.validation_scores_ = None

    # -- inference --------------------------------------------------------------
    def _network_output(self, x) -> np.ndarray:
        check_is_fitted(self, "model_")
        x = validate_data(self, x, reset=False, dtype=(np.float64, np.float32))
        # scikit-learn's estimators answer in float64 whatever precision they
        # compute in, and downstream metrics expect it.
        return self.model_.predict(x).astype(np.float64, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


class _EpochMonitor(Callback):
    """Records the per-epoch curves on the estimator and stops training when
    the watched loss (validation loss under early stopping, training loss
    otherwise) has not improved by ``tol`` for ``n_iter_no_change`` epochs.

    Its state lives on the estimator, so it carries across ``partial_fit``
    calls, each of which is one epoch of the same run.
    """

    def __init__(self, estimator, validation, p, n_train, stop_on_train_loss):
        self.estimator = estimator
        self.validation = validation
        self.tol = p["tol"]
        self.patience = p["n_iter_no_change"]
        self.n_train = n_train
        self.stop_on_train_loss = stop_on_train_loss

    def on_epoch_end(self, epoch, logs=None):
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_curve_.append(float(logs["loss"]))
        watched = float(logs["loss"])
        if self.validation is not None:
            xv, yv, wv = self.validation
            watched = float(logs["val_loss"])
            # Epochs of a warm start that ran without validation show as NaN,
            # so the validation curves stay aligned with loss_curve_.
            missing = len(est.loss_curve_) - 1 - len(est._val_losses)
            est._val_losses.extend([math.nan] * missing)
            est._val_scores.extend([math.nan] * missing)
            est._val_losses.append(watched)
            est._val_scores.append(est._validation_score(self.model.predict(xv), yv, wv))
        if watched < est.best_loss_ - self.tol:
            est.best_loss_ = watched
            est._no_improvement_count = 0
            if self.validation is not None:
                est._best_weights = self.model.get_weights()
            return
        est._no_improvement_count += 1
        if est._no_improvement_count >= self.patience and (
            self.validation is not None or self.stop_on_train_loss
        ):
            self.model.stop_training = True
            if self.validation is not None:
                est.stopped_early_ = True

    def on_train_end(self, logs=None):
        est = self.estimator
        # Under early stopping the model ends a fit (or a partial_fit run that
        # stopped) with the weights of its best validation epoch.
        if est._best_weights is not None and (self.stop_on_train_loss or est.stopped_early_):
            self.model.set_weights(est._best_weights)


def _check_weights(sample_weight, n: int):
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim != 1 or len(w) != n:
        raise InvalidArgumentError(
            f"`sample_weight` must be 1-D with one weight per sample ({n}). "
            f"Received: shape {w.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidArgumentError("`sample_weight` must be finite and non-negative.")
    if w.sum() <= 0:
        raise InvalidArgumentError("`sample_weight` must not be all zero.")
    return w


def _mean_one(w):
    """Rescale weights to mean 1. The loss is sum(w * l) / n, so this makes it
    the weighted mean sum(w * l) / sum(w), and integer weights then train
    exactly like repeated samples would (with full batches)."""
    if w is None:
        return None
    total = w.sum()
    return w * (len(w) / total) if total > 0 else w
