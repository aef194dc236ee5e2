"""Rosenblatt's perceptron: one linear unit with a step activation, trained
by the perceptron rule (tutorial 004's first model)."""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_bool, check_int, check_positive
from .activations import Step
from .errors import InvalidArgumentError


class Perceptron:
    """Binary linear classifier trained by the perceptron rule.

    For each misclassified sample ``(x, y)`` with ``y`` in {0, 1}::

        w += learning_rate * (y - y_hat) * x
        b += learning_rate * (y - y_hat)

    where ``y_hat = step(x . w + b)``. On linearly separable data it stops
    with zero errors after finitely many updates (Novikoff, 1962).

    Attributes
    ----------
    weights_, bias_ : learned parameters.
    errors_ : list of int
        Misclassifications per epoch.
    classes_ : the two original labels (mapped to 0 and 1).

    Parameters
    ----------
    learning_rate : float, default 1
        Step of each update (positive).
    max_epochs : int, default 100
        Passes over the data at most; training stops earlier after an epoch
        without errors.
    shuffle : bool, default True
        Visit the samples in a new random order every epoch.
    seed : int or None, default 0
        Seed of the shuffling.

    Notes
    -----
    Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review, 1958;
    Novikoff, "On convergence proofs on perceptrons", 1962.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero import Perceptron
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> p = Perceptron(max_epochs=20).fit(x, np.array([0, 0, 0, 1]))  # logical AND
    >>> p.predict(x).tolist(), p.errors_[-1]
    ([0, 0, 0, 1], 0)
    """

    def __init__(
        self,
        learning_rate: float = 1.0,
        max_epochs: int = 100,
        shuffle: bool = True,
        seed: int | None = 0,
    ):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.max_epochs = check_int(max_epochs, "max_epochs", low=1)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.seed = None if seed is None else check_int(seed, "seed", low=0)
        self.rng = np.random.default_rng(seed)
        self.activation = Step()

    def fit(self, x, y) -> Perceptron:
        """Train until an epoch makes no mistakes or ``max_epochs`` is reached.

        Parameters
        ----------
        x : array-like, shape (n_samples, n_features)
            The samples.
        y : array-like, shape (n_samples,)
            Two distinct labels, of any type.

        Returns
        -------
        Perceptron
            Itself, fitted.

        Raises
        ------
        InvalidArgumentError
            If ``x`` is not 2-D, the lengths differ, or ``y`` does not hold
            exactly two labels.
        """
        x = as_float_array(x, "x", np.float64)
        if x.ndim != 2:
            raise InvalidArgumentError(
                f"`x` must be 2-D (n_samples, n_features). Received: shape {x.shape}"
            )
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(x):
            raise InvalidArgumentError(
                f"`y` must be 1-D with one label per row of x ({len(x)}). Received: shape {y.shape}"
            )
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise InvalidArgumentError(
                f"The perceptron separates exactly two classes. Received: {len(self.classes_)} "
                f"({self.classes_.tolist()[:10]})"
            )
        target = (y == self.classes_[1]).astype(np.float64)
        self.weights_ = np.zeros(x.shape[1])
        self.bias_ = 0.0
        self.errors_ = []
        for _ in range(self.max_epochs):
            order = self.rng.permutation(len(x)) if self.shuffle else np.arange(len(x))
            errors = 0
            # The rule is sequential by nature: each update changes the next prediction.
            for i in order:
                update = self.learning_rate * (target[i] - self._step(x[i]))
                if update:
                    self.weights_ += update * x[i]
                    self.bias_ += update
                    errors += 1
            self.errors_.append(errors)
            if errors == 0:
                break
        return self

    def _step(self, row) -> float:
        return 1.0 if row @ self.weights_ + self.bias_ >= 0 else 0.0

    def decision_function(self, x) -> np.ndarray:
        """``x . w + b`` per sample.

        Parameters
        ----------
        x : array-like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,)
        """
        x = as_float_array(x, "x", np.float64)
        if not hasattr(self, "weights_"):
            raise InvalidArgumentError("This Perceptron is not fitted yet; call fit first.")
        if x.ndim != 2 or x.shape[1] != len(self.weights_):
            raise InvalidArgumentError(
                f"`x` must have shape (n, {len(self.weights_)}). Received: shape {x.shape}"
            )
        return x @ self.weights_ + self.bias_

    def predict(self, x) -> np.ndarray:
        """The original label of the side of the hyperplane each sample is on.

        Parameters
        ----------
        x : array-like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,)
        """
        side = self.activation.forward(self.decision_function(x)).astype(np.int64)
        return self.classes_[side]

    def __repr__(self):
        return f"Perceptron(learning_rate={self.learning_rate}, max_epochs={self.max_epochs})"
