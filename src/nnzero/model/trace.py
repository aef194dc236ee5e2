"""One forward and backward pass that changes nothing: ``model.trace(x, y)``.

Tutorial 001 caches ``Z`` and ``A`` of every layer on the way forward and
reads them on the way back; tutorial 000 derives ``dW`` and ``db`` from
``dZ``. :func:`trace` returns exactly those arrays for every Dense layer,
computed by the code training runs (the same forward pass in training mode,
the same output gradient with its division by the batch size, the same
backward calls), and then puts back everything the pass touched: the
layers' gradient buffers, batch-normalisation statistics and the model's
random generator. The weights and the optimizer are never touched.

Example
-------
>>> import numpy as np
>>> import nnzero as nz
>>> model = nz.Sequential([nz.layers.Dense(3, activation="tanh"),
...                        nz.layers.Dense(2, activation="softmax")], seed=0)
>>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
>>> t = model.trace(np.ones((4, 5)), [0, 1, 1, 0])
>>> t[0].dW.shape, t[1].dz.shape
((5, 3), (4, 2))
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..layers.dense import Dense
from .fit_arguments import check_sample_weight
from .step import output_gradient

__all__ = ["LayerTrace", "Trace", "trace"]


@dataclass
class LayerTrace:
    """The arrays of one Dense layer in one pass.

    Attributes
    ----------
    index : int
        Position of the layer in ``model.layers``.
    name : str
        ``Dense(units, activation)``.
    x : numpy.ndarray, shape (n, n_in)
        The layer's input (the previous layer's ``a``, or the data).
    z : numpy.ndarray, shape (n, units)
        Pre-activation ``x @ W + b``.
    a : numpy.ndarray, shape (n, units)
        Activation ``f(z)``.
    dz : numpy.ndarray, shape (n, units)
        ``dL/dz``: for the output layer of a softmax/sigmoid with its
        cross-entropy ``(p - y) / n``, the batch mean's ``1/n`` included.
    dW : numpy.ndarray, shape (n_in, units)
        ``dL/dW = x.T @ dz`` (plus the L2 penalty's gradient, as in training).
    db : numpy.ndarray or None, shape (units,)
        ``dL/db``, the sum of ``dz`` over the batch; None without a bias.

    Example
    -------
    >>> from nnzero.model.trace import LayerTrace
    >>> list(LayerTrace.__dataclass_fields__)
    ['index', 'name', 'x', 'z', 'a', 'dz', 'dW', 'db']
    """

    index: int
    name: str
    x: np.ndarray
    z: np.ndarray
    a: np.ndarray
    dz: np.ndarray
    dW: np.ndarray  # noqa: N815 - the tutorials' name
    db: np.ndarray | None


class Trace(list):
    """The :class:`LayerTrace` of every Dense layer, first to last, with the
    pass's ``loss`` (with regularization) and ``output``. ``print(t)`` shows
    a table of shapes and norms.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2, activation="sigmoid")], seed=0)
    >>> model.compile(loss="binary_crossentropy")
    >>> t = model.trace(np.zeros((3, 4)), np.zeros((3, 2)))
    >>> print(t)  # doctest: +NORMALIZE_WHITESPACE
    Trace of 3 samples: loss 0.693147
    layer  Dense              W       b     z / a   |z|  |a|     |dz|     |dW|  |db|
    0      Dense(2, sigmoid)  (4, 2)  (2,)  (3, 2)  0    1.2247  0.20412  0     0.35355
    """

    def __init__(self, layers, loss: float, output: np.ndarray):
        super().__init__(layers)
        self.loss = loss
        self.output = output

    def table(self) -> str:
        """The table ``print`` shows: shapes of W, b, z and a; Frobenius norms."""
        def norm(arr):
            return "-" if arr is None else f"{float(np.linalg.norm(arr)):.5g}"

        rows = [("layer", "Dense", "W", "b", "z / a", "|z|", "|a|", "|dz|", "|dW|", "|db|")]
        for t in self:
            rows.append((str(t.index), t.name, str(t.dW.shape),
                         "-" if t.db is None else str(t.db.shape), str(t.z.shape),
                         norm(t.z), norm(t.a), norm(t.dz), norm(t.dW), norm(t.db)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        n = 0 if not self else len(self[0].x)
        return "\n".join([f"Trace of {n} samples: loss {self.loss:.6g}", *lines])

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"Trace(layers={len(self)}, loss={self.loss:.6g})"


def _name(layer: Dense) -> str:
    return f"Dense({layer.units}, {type(layer.activation).__name__.lower()})"


def trace(model, x, y, sample_weight=None) -> Trace:
    """Forward and backward pass on ``(x, y)`` as training runs it; nothing changes.

    See :meth:`nnzero.Sequential.trace`.
    """
    model.require_compiled("trace")
    x = model.validate_x(x, build=False)
    y = model.validate_y(y, x, n_outputs=model.output_width(x.shape[1:]))
    weights = check_sample_weight(sample_weight, len(x))
    if not model.built:
        model.build(x.shape[1:])
    saved = _save(model)
    try:
        return _pass(model, x, y, weights)
    finally:
        _restore(model, saved)


def _pass(model, x, y, weights) -> Trace:
    layers, loss = model.layers, model.loss
    fused = model.output_fused
    dense_inputs = {}
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        h = x
        for i, layer in enumerate(layers):
            if isinstance(layer, Dense):
                dense_inputs[i] = h
            before, h = h, layer.forward(h, training=True)
        out = h
        if fused:
            # The logits: the last Dense layer's z, or the input of a final
            # activation layer (as the training step reads them).
            logits = layers[-1].last_preactivation if isinstance(layers[-1], Dense) else before
            per_sample = loss.per_sample_from_logits(y, logits)
            if weights is not None:
                per_sample = per_sample * weights
            loss_value = float(per_sample.sum() / per_sample.shape[0])
        else:
            loss_value = float(loss.value(y, out, weights))
        loss_value += sum(layer.penalty() for layer in layers)
        grad = output_gradient(model, y, out, weights)
        found = {}
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            at_logits = fused and i == len(layers) - 1
            if isinstance(layer, Dense):
                # dz as Dense.backward forms it, then the layer's own backward
                # fills dW and db exactly as in training.
                dz = grad if at_logits else layer.activation.backward(
                    grad, layer.last_preactivation, layer.last_output)
                z, a = layer.last_preactivation, layer.last_output
                grad = layer.backward(grad, preactivation=at_logits)
                found[i] = LayerTrace(
                    i, _name(layer), dense_inputs[i], z.copy(), a.copy(), np.array(dz, copy=True),
                    layer.grads[0].copy(), layer.grads[1].copy() if layer.use_bias else None)
            elif at_logits:  # a final activation layer fused with the loss
                grad = layer.backward(grad, preactivation=True)
            else:
                grad = layer.backward(grad)
            if grad is None:
                break
    return Trace([found[i] for i in sorted(found)], loss_value, out)


def _save(model):
    """Everything a training-mode pass writes besides the weights."""
    return (
        [g.copy() for g in model.grads],
        # Layer state such as batch normalisation's moving statistics.
        [(array, array.copy()) for layer in model.layers
         for array in getattr(layer, "state", None) or () if isinstance(array, np.ndarray)],
        copy.deepcopy(model.rng.bit_generator.state),
        [dict(vars(layer)) for layer in model.layers],
    )


def _restore(model, saved) -> None:
    grads, states, rng_state, attributes = saved
    for g, s in zip(model.grads, grads, strict=True):
        g[...] = s
    for array, value in states:
        array[...] = value
    model.rng.bit_generator.state = rng_state
    # The layers' references to the last batch (caches for backward) are put
    # back too, so a trace between two training steps is invisible.
    for layer, before in zip(model.layers, attributes, strict=True):
        for key in [k for k in vars(layer) if k not in before]:
            delattr(layer, key)
        vars(layer).update(before)
