"""Metrics reported during training and evaluation.

A metric is a function ``(y_true, y_pred, loss) -> float`` of one batch,
averaged over the samples; ``loss`` tells it how targets and outputs are
encoded (class indices, one-hot rows, or one sigmoid unit).

Example
-------
>>> import numpy as np
>>> from nnzero import metrics, losses
>>> probs = np.array([[0.9, 0.1], [0.2, 0.8]])
>>> metrics.accuracy(np.array([0, 0]), probs, losses.get("sparse_categorical_crossentropy"))
0.5
"""

from __future__ import annotations

import difflib

import numpy as np

from .errors import InvalidArgumentError


def predicted_classes(y_pred: np.ndarray, from_logits: bool = False) -> np.ndarray:
    """Class index per row: argmax, or a 0.5 threshold for a single output unit
    (0 on logits).

    Parameters
    ----------
    y_pred : ndarray, shape (n_samples, n_outputs)
        Probabilities (or logits).
    from_logits : bool, default False
        Whether a single output unit holds a logit (threshold 0).

    Returns
    -------
    ndarray of int64, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> predicted_classes(np.array([[0.2, 0.8], [0.9, 0.1]])).tolist()
    [1, 0]
    >>> predicted_classes(np.array([[0.7], [0.3]])).tolist()
    [1, 0]
    """
    if y_pred.shape[1] == 1:
        return (y_pred[:, 0] > (0.0 if from_logits else 0.5)).astype(np.int64)
    return np.argmax(y_pred, axis=1)


def accuracy(y_true, y_pred, loss) -> float:
    """Fraction of samples whose predicted class is the true class.

    Parameters
    ----------
    y_true : ndarray
        Targets as the loss takes them: class indices, one-hot rows or values.
    y_pred : ndarray, shape (n_samples, n_outputs)
        The model's outputs.
    loss : Loss
        The model's loss, which tells how to read the targets.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import SparseCategoricalCrossentropy
    >>> accuracy(np.array([1, 0]), np.array([[0.2, 0.8], [0.3, 0.7]]),
    ...          SparseCategoricalCrossentropy())
    0.5
    """
    predicted = predicted_classes(y_pred, getattr(loss, "from_logits", False))
    if getattr(loss, "sparse_targets", False):
        truth = y_true
    elif y_true.shape[1] == 1:
        truth = (y_true[:, 0] > 0.5).astype(np.int64)
    else:
        truth = np.argmax(y_true, axis=1)
    return float(np.mean(predicted == truth))


def _like_output(y_true, y_pred, loss):
    """Class indices as one-hot rows, so they compare element-wise with the output."""
    if getattr(loss, "sparse_targets", False):
        return np.eye(y_pred.shape[1], dtype=y_pred.dtype)[y_true]
    return y_true


def mae(y_true, y_pred, loss) -> float:
    """Mean absolute error over samples and outputs (against one-hot rows for
    class-index targets).

    Parameters
    ----------
    y_true : ndarray
        Targets as the loss takes them: class indices, one-hot rows or values.
    y_pred : ndarray, shape (n_samples, n_outputs)
        The model's outputs.
    loss : Loss
        The model's loss, which tells how to read the targets.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import MeanSquaredError
    >>> mae(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]), MeanSquaredError())
    0.75
    """
    return float(np.mean(np.abs(y_pred - _like_output(y_true, y_pred, loss))))


def mse(y_true, y_pred, loss) -> float:
    """Mean squared error over samples and outputs (against one-hot rows for
    class-index targets: the Brier score).

    Parameters
    ----------
    y_true : ndarray
        Targets as the loss takes them: class indices, one-hot rows or values.
    y_pred : ndarray, shape (n_samples, n_outputs)
        The model's outputs.
    loss : Loss
        The model's loss, which tells how to read the targets.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import MeanSquaredError
    >>> mse(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]), MeanSquaredError())
    0.625
    """
    return float(np.mean((y_pred - _like_output(y_true, y_pred, loss)) ** 2))


_METRICS = {"accuracy": accuracy, "acc": accuracy, "mae": mae, "mse": mse}


def get(name) -> tuple[str, callable]:
    """The canonical name and function of a metric.

    Parameters
    ----------
    name : str
        ``"accuracy"`` (or ``"acc"``), ``"mae"`` or ``"mse"``.

    Returns
    -------
    (str, callable)

    Raises
    ------
    InvalidArgumentError
        For an unknown name.

    Examples
    --------
    >>> get("acc")[0]
    'accuracy'
    """
    if not isinstance(name, str) or name.lower() not in _METRICS:
        key = name.lower() if isinstance(name, str) else ""
        close = difflib.get_close_matches(key, _METRICS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InvalidArgumentError(
            f"Unknown metric {name!r}.{hint} Valid metric names: {', '.join(sorted(_METRICS))}."
        )
    fn = _METRICS[name.lower()]
    return fn.__name__, fn
