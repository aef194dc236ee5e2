"""The "step" view: one sample's forward and backward numbers through the network.

:func:`trace_sample` runs one training point through the session's network
layer by layer with the layers' public methods (``Dense.preactivation``,
the activations' ``forward`` and ``backward``, the loss's ``gradient``),
then carries the loss gradient back. Nothing is stored in the layers and no
random number is drawn, so looking at a step never changes the run.

Inference mode is used throughout: dropout passes everything, batch
normalisation uses its moving statistics (an affine map per unit, whose
slope is read off two forward calls).

Example
-------
>>> from nnzero.playground.session import Session
>>> from nnzero.playground.trace import trace_sample
>>> t = trace_sample(Session({"layers": [3]}), 0)
>>> [len(layer["a"]) for layer in t["layers"]], t["loss"] > 0
([3, 1], True)
"""

from __future__ import annotations

import numpy as np

from .. import layers
from .settings import PlaygroundError

__all__ = ["trace_sample"]


def trace_sample(session, index: int) -> dict:
    """Forward and backward numbers of training point ``index``.

    Returns a dict with ``epoch``, ``point`` (x1, x2), ``inputs`` (the features),
    ``label``, ``loss`` and ``layers``: for each drawn column (hidden layers,
    then the output) the neurons' pre-activations ``z``, outputs ``a``, the
    gradients ``grad_a`` = dL/da and ``grad_z`` = dL/dz, and ``grad_kernel``,
    the gradient of the loss with respect to the column's incoming weights
    (rows: the inputs of the column), and ``source``: ``"model.trace"`` where
    the library's own trace computed them, else ``"layers"``.

    Raises
    ------
    PlaygroundError
        ``index`` is not a whole number naming a training point.
    """
    with session.lock:
        n = len(session.x_train)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise PlaygroundError(f"index must be a whole number in [0, {n}). "
                                  f"Received: {index!r}")
        x = session.x_train[index:index + 1].astype(np.float64)
        y = session.y_train[index:index + 1].astype(np.float64)
        model = session.model
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            records, out = _forward(session.blocks(), x)
            loss = model.loss
            loss_value = float(loss.value(y, out))
            grad = np.asarray(loss.gradient(y, out), dtype=np.float64)
            _backward(records, grad)
            source = "layers"
            if _library_trace(model, records, session.y_train[index:index + 1], grad):
                source = "model.trace"
        row = session.train_rows[index]
        return {
            "type": "trace",
            "index": index,
            "point": [float(v) for v in session.points[row]],
            "inputs": x[0].tolist(),
            "label": float(y[0, 0]),
            "loss": loss_value,
            "epoch": session.epoch,
            "source": source,
            "layers": [{**{key: _plain(c[key]) for key in ("z", "a", "grad_a", "grad_z")},
                        "grad_kernel": np.nan_to_num(c["grad_kernel"]).tolist()}
                       for c in records],
        }


def _forward(blocks, x):
    """Each column's numbers; every step kept for the way back."""
    records, h = [], x
    for block in blocks:
        steps, column_in = [], h
        z = None
        for layer in block:
            if isinstance(layer, layers.Dense):
                z = layer.preactivation(h.astype(layer.kernel.dtype)).astype(np.float64)
                a = np.asarray(layer.activation.forward(z), dtype=np.float64)
                steps.append(("dense", layer, h, z, a))
                h = a
            elif isinstance(layer, layers.Activation):
                z = h
                a = np.asarray(layer.activation.forward(z), dtype=np.float64)
                steps.append(("activation", layer, h, z, a))
                h = a
            elif isinstance(layer, layers.BatchNormalization):
                base = np.asarray(layer.forward(h, training=False), dtype=np.float64)
                slope = np.asarray(layer.forward(h + 1.0, training=False),
                                   dtype=np.float64) - base
                steps.append(("scale", layer, h, slope, base))
                h = base
            else:  # Dropout in inference: the identity, forward and back
                steps.append(("identity", layer, h, None, h))
        records.append({"steps": steps, "input": column_in, "z": z, "a": h})
    return records, h


def _backward(records, grad):
    for column in reversed(records):
        column["grad_a"] = grad
        for kind, layer, h, z, a in reversed(column["steps"]):
            if kind == "dense":
                dz = np.asarray(layer.activation.backward(grad, z, a), dtype=np.float64)
                column["grad_kernel"] = h.T @ dz
                grad = dz @ layer.kernel.T.astype(np.float64)
                column.setdefault("grad_z_dense", dz)
            elif kind == "activation":
                grad = np.asarray(layer.activation.backward(grad, z, a), dtype=np.float64)
                column["grad_z"] = grad
            elif kind == "scale":
                grad = grad * z  # z holds the slope here
        column.setdefault("grad_z", column.get("grad_z_dense"))


def _library_trace(model, records, y, output_grad) -> bool:
    """Take the numbers from the library's ``model.trace`` where it has one.

    ``model.trace`` runs the training pass itself, in training mode; for a
    network of Dense layers only (no dropout or batch normalisation, whose
    training mode differs from what the page draws) that is the same pass,
    so its ``z``, ``a``, ``dz`` and ``dW`` replace the ones computed above.
    Returns whether it did.
    """
    library = getattr(model, "trace", None)
    if not callable(library) or not all(isinstance(layer, layers.Dense)
                                        for layer in model.layers):
        return False
    t = library(records[0]["input"].astype(model.layers[0].kernel.dtype), y)
    grad_a = output_grad
    for column, lt, dense in reversed(list(zip(records, t, model.layers, strict=True))):
        column.update(z=lt.z, a=lt.a, grad_z=lt.dz, grad_kernel=lt.dW, grad_a=grad_a)
        grad_a = np.asarray(lt.dz, dtype=np.float64) @ dense.kernel.T.astype(np.float64)
    return True


def _plain(a):
    a = np.nan_to_num(np.asarray(a, dtype=np.float64))
    return a[0].tolist() if a.ndim == 2 and a.shape[0] == 1 else a.tolist()
