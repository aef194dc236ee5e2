"""The loss base class, the registry of loss names, and ``get``.

Example
-------
>>> from nnzero.losses import base
>>> base.get("mse")
MeanSquaredError()
"""

from __future__ import annotations

import numpy as np

from .._registry import Registry, config_of
from .._validation import check_bool
from ..activations import Sigmoid, Softmax
from ..errors import InvalidArgumentError
from ._common import numeric_targets, scale_gradient

_REGISTRY = Registry("loss", protocol=("value", "gradient"))


register = _REGISTRY.register


_softmax = Softmax().forward


_sigmoid = Sigmoid().forward


def _reduce(per_sample: np.ndarray, sample_weight) -> float:
    if sample_weight is not None:
        per_sample = per_sample * sample_weight
    return float(per_sample.sum() / per_sample.shape[0])


class Loss:
    """Base class: a subclass defines :meth:`per_sample` and :meth:`per_sample_gradient`
    (or overrides :meth:`value` and :meth:`gradient`). Of the three gradients,
    :meth:`gradient` is of the batch's weighted mean loss w.r.t. the output,
    :meth:`per_sample_gradient` of each sample's loss (unreduced), and
    :meth:`gradient_wrt_logits` of the mean loss w.r.t. the fused logits.

    Parameters
    ----------
    from_logits : bool, default False
        Whether ``y_pred`` holds logits (the output before the activation)
        rather than probabilities; computed stably from the logits.
        Only a loss with a fused activation (``fused_activation``) has a
        logit form.

    Raises
    ------
    InvalidArgumentError
        If ``from_logits`` is asked of a loss without a logit form.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.losses import Loss
    >>> class MeanAbsoluteError(Loss):
    ...     def per_sample(self, y_true, y_pred):
    ...         return np.abs(y_pred - y_true).mean(axis=1)
    ...     def per_sample_gradient(self, y_true, y_pred):
    ...         return np.sign(y_pred - y_true) / y_pred.shape[1]
    >>> MeanAbsoluteError().value(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]))
    0.75
    """

    #: Name of the output activation this loss fuses with, if any.
    fused_activation: str | None = None
    #: True when targets are class indices rather than arrays like the output.
    sparse_targets = False

    def __init__(self, from_logits: bool = False):
        from_logits = check_bool(from_logits, "from_logits")
        if from_logits and self.fused_activation is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} has no logit form. Received: from_logits=True"
            )
        self.from_logits = from_logits

    # -- the two methods a user-defined loss must provide ---------------------
    def value(self, y_true, y_pred, sample_weight=None) -> float:
        """Mean loss over the batch: ``sum(w_i * l_i) / n``.

        Parameters
        ----------
        y_true : ndarray
            Targets, as ``prepare_targets`` returns them.
        y_pred : ndarray, shape (n_samples, n_outputs)
            The model's outputs (logits when ``from_logits``).
        sample_weight : ndarray, shape (n_samples,), optional
            Weight ``w_i`` of each sample (1 without).

        Returns
        -------
        float
        """
        if self.from_logits:
            return _reduce(self.per_sample_from_logits(y_true, y_pred), sample_weight)
        return _reduce(self.per_sample(y_true, y_pred), sample_weight)

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """Gradient of :meth:`value` w.r.t. ``y_pred`` (batch mean, weighted).

        Parameters
        ----------
        y_true, y_pred, sample_weight
            As for :meth:`value`.

        Returns
        -------
        ndarray
            The shape of ``y_pred``.
        """
        if self.from_logits:
            return self.gradient_wrt_logits(y_true, self.activate(y_pred), sample_weight)
        return scale_gradient(self.per_sample_gradient(y_true, y_pred), sample_weight)

    # -- logit-domain forms, shared by from_logits and the fused model path -----
    def activate(self, logits):
        """The output activation this loss pairs with, applied to logits."""
        return _softmax(logits) if self.fused_activation == "softmax" else _sigmoid(logits)

    def gradient_wrt_logits(self, y_true, probs, sample_weight=None) -> np.ndarray:
        """Gradient of :meth:`value` w.r.t. the logits, given the activated
        output ``probs``: ``(p - y) / n`` for softmax + categorical and sigmoid
        + binary cross-entropy alike (weighted). The training step computes
        the fused output layer's gradient here and nowhere else."""
        raise NotImplementedError

    def per_sample(self, y_true, y_pred):
        """Each sample's loss, shape ``(n,)``."""
        raise NotImplementedError

    def per_sample_from_logits(self, y_true, logits):
        """Each sample's loss from the logits (exact where a p rounds to 0 or 1)."""
        raise NotImplementedError

    def per_sample_gradient(self, y_true, y_pred):
        """Gradient of each sample's loss w.r.t. its output row, unreduced."""
        raise NotImplementedError

    # -- targets ---------------------------------------------------------------
    def prepare_targets(self, y, n_outputs: int, dtype) -> np.ndarray:
        """Validate targets against the output width and convert their dtype."""
        y = numeric_targets(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise InvalidArgumentError(
                f"`y` must have shape (n_samples, {n_outputs}) to match the model's "
                f"{n_outputs} outputs for {self.registered_name}. Received: shape {y.shape}"
            )
        return y.astype(dtype, copy=False)

    def get_config(self) -> dict:
        config = {"name": self.registered_name}
        if self.fused_activation is not None:
            config["from_logits"] = self.from_logits
        return config

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class _UserLoss(Loss):
    """Adapter for a user's object with value/gradient methods."""

    def __init__(self, obj):
        self.obj = obj
        self.from_logits = False

    def value(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return float(self.obj.value(y_true, y_pred, sample_weight))
        return float(self.obj.value(y_true, y_pred))

    def gradient(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return self.obj.gradient(y_true, y_pred, sample_weight)
        return self.obj.gradient(y_true, y_pred)

    def prepare_targets(self, y, n_outputs, dtype):
        prepare = getattr(self.obj, "prepare_targets", None)
        if callable(prepare):
            return prepare(y, n_outputs, dtype)
        return Loss.prepare_targets(self, y, n_outputs, dtype)

    @property
    def registered_name(self):
        return type(self.obj).__name__

    def get_config(self):
        return config_of(self.obj, "loss")

    def __repr__(self):
        return repr(self.obj)


def get(identifier, argument: str = "loss") -> Loss:
    """Resolve a name, config dict or object to a loss.

    Parameters
    ----------
    identifier : str, dict or object
        A registered name (see :func:`names`), a config such as
        ``{"name": "categorical_crossentropy", "label_smoothing": 0.1}``, or
        an object with ``value`` and ``gradient`` methods.
    argument : str, default "loss"
        The argument's name in error messages.

    Returns
    -------
    Loss

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the closest valid one is suggested).

    Examples
    --------
    >>> get("sparse_categorical_crossentropy")
    SparseCategoricalCrossentropy(from_logits=False)
    """
    resolved = _REGISTRY.get(identifier, argument)
    return resolved if isinstance(resolved, Loss) else _UserLoss(resolved)


def names() -> list[str]:
    """The registered loss names (aliases included).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "mse" in names() and "sparse_categorical_crossentropy" in names()
    True
    """
    return _REGISTRY.names()
