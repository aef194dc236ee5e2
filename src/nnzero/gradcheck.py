"""Finite-difference gradient checking of layers and models."""

from __future__ import annotations

import numpy as np

from .errors import InvalidArgumentError
from .model.step import compute_gradients


def gradcheck(target, x, y=None, eps: float = 1e-5, seed: int = 0) -> float:
    """Largest relative error between backpropagated and central-difference
    gradients, over every parameter (and, for a layer, its input).

    ``target`` is either a compiled float64 :class:`~nnzero.Sequential`, checked
    on its own loss (plus regularization) for targets ``y``, or a float64
    layer, checked on ``sum(output * r) + penalty`` for a fixed random ``r``. Random
    draws (dropout masks) are frozen by restoring the generator before every
    evaluation. Below about 1e-6 the gradients are right. The default step
    ``eps=1e-5`` balances truncation error (which grows with ``eps``) against
    float64 rounding noise (which grows as it shrinks) for central differences.

    Parameters
    ----------
    target : Sequential or Layer
        A compiled float64 model, or a built float64 layer.
    x : array-like
        Inputs (a few samples are enough).
    y : array-like, optional
        Targets, for a model.
    eps : float, default 1e-5
        The finite-difference step.
    seed : int, default 0
        Seed of the random ``r`` a layer's output is weighted by.

    Returns
    -------
    float
        The largest ``|analytic - numeric| / max(|analytic| + |numeric|, 1e-8)``
        over every parameter entry (and input entry, for a layer).

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> layer = nz.layers.Dense(3, activation="tanh")
    >>> layer.build((4,), np.random.default_rng(0), np.float64)
    >>> gradcheck(layer, np.random.default_rng(1).normal(size=(5, 4))) < 1e-6
    True
    """
    # A private copy: the numeric gradient nudges x in place.
    x = np.array(x, dtype=np.float64)
    if hasattr(target, "layers"):
        return _check_model(target, x, y, eps)
    return _check_layer(target, x, eps, seed)


def _check_layer(layer, x, eps, seed):
    if not layer.built:
        layer.build(x.shape[1:], np.random.default_rng(seed), np.float64)
    if any(p.dtype != np.float64 for p in layer.params):
        raise InvalidArgumentError(
            "gradcheck needs float64 parameters; build the layer with float64."
        )
    rng = getattr(layer, "_rng", None)
    state = None if rng is None else rng.bit_generator.state
    r = np.random.default_rng(seed + 1).normal(size=layer.forward(x).shape)

    def loss():
        if state is not None:
            rng.bit_generator.state = state
        # The layer's grads include its regularizer's gradient, so its penalty belongs here.
        return float(np.sum(layer.forward(x, training=True) * r)) + layer.penalty()

    loss()
    layer.needs_input_grad = True
    grad_x = layer.backward(r)
    analytic = [g.copy() for g in layer.grads]
    return max([_worst(loss, layer.params, analytic, eps), _worst(loss, [x], [grad_x], eps)])


def _check_model(model, x, y, eps):
    if not model.compiled or y is None:
        raise InvalidArgumentError("gradcheck of a model needs a compiled model and targets y.")
    if model.dtype != np.float64:
        raise InvalidArgumentError(
            "gradcheck needs a float64 model: Sequential(..., dtype='float64')."
        )
    x = model.validate_x(x)
    y = model.validate_y(y, x)
    state = model.rng.bit_generator.state

    def loss():
        model.rng.bit_generator.state = state
        out = model.forward(x, training=True)
        return model.loss.value(y, out) + sum(layer.penalty() for layer in model.layers)

    model.rng.bit_generator.state = state
    compute_gradients(model, x, y)
    analytic = [g.copy() for g in model.grads]
    return _worst(loss, model.params, analytic, eps)


def _worst(loss, arrays, analytic, eps) -> float:
    """Max relative error over ``arrays`` between ``analytic`` and numeric gradients."""
    worst = 0.0
    for array, grad in zip(arrays, analytic, strict=True):
        numeric = _numeric_gradient(loss, array, eps)
        scale = np.maximum(np.abs(grad) + np.abs(numeric), 1e-8)
        worst = max(worst, float(np.max(np.abs(grad - numeric) / scale)))
    return worst


def _numeric_gradient(loss, array, eps):
    """Central differences of ``loss()`` with respect to each entry of ``array``."""
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = loss()
        flat[i] = original - eps
        minus = loss()
        flat[i] = original
        out[i] = (plus - minus) / (2 * eps)
    return grad
