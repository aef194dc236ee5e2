"""One training step, prepared once per epoch.

:func:`.training.train_step` is the general step: it looks everything up
on the model each time (the layer list, which layers have a penalty or a
constraint, the loss's methods). A step on one sample takes tens of
microseconds, so for per-sample training, with a softmax output and
class-index cross-entropy (the tutorials' set-up), those look-ups are a
large share of it. :class:`TrainStep` makes them once when an epoch starts
and takes a few shortcuts that are bit-identical to the general arithmetic
(each says why); every other step (larger batches, other losses) is the
general one, where the look-ups cost nothing next to the products.
``tests/test_fast_step.py`` trains both ways and requires the same bits.

Nothing a step uses may change during an epoch (the layers, their
regularizers and constraints, the optimizer object); callbacks that change
such things do it between epochs, and the next epoch prepares a new step.
"""

from __future__ import annotations

import math

import numpy as np

from ..layers.base import Layer
from ..layers.dense import Dense
from ..losses import SparseCategoricalCrossentropy

# training imports this module; its functions are looked up when a step runs.
from . import training


def _has_penalty(layer) -> bool:
    if type(layer).penalty is Layer.penalty:
        return False
    return not (isinstance(layer, Dense) and type(layer).penalty is Dense.penalty
                and layer.kernel_regularizer is None)


def _has_constraint(layer) -> bool:
    if getattr(layer, "apply_constraints", None) is None:
        return False
    return not (isinstance(layer, Dense)
                and type(layer).apply_constraints is Dense.apply_constraints
                and layer.kernel_constraint is None)


class TrainStep:
    """``step(xb, yb, wb) -> (output, loss)``: forward, backward and one
    optimizer update, exactly as :func:`.training.train_step`."""

    def __init__(self, model):
        self.model = model
        layers, loss = model.layers, model.loss
        # The fused softmax / class-index cross-entropy head, the common case.
        self.prepared = (
            model._fused
            and type(loss) is SparseCategoricalCrossentropy
            and not loss.label_smoothing
            and type(layers[-1]) is Dense
        )
        if not self.prepared:
            return
        self.forwards = [layer.forward for layer in layers[:-1]]
        self.last = layers[-1]
        self.last_backward = self.last.backward
        self.backwards = [layer.backward for layer in layers[-2::-1]]
        # Layers whose penalty is 0.0 by construction add nothing to the
        # loss: the sum of the others is the same float (x + 0.0 is x).
        self.penalties = [layer.penalty for layer in layers if _has_penalty(layer)]
        self.constraints = [layer.apply_constraints for layer in layers
                            if _has_constraint(layer)]
        self.params, self.grads = model.params, model.grads
        self.apply = model.optimizer.apply

    def __call__(self, xb, yb, wb):
        if not self.prepared or xb.shape[0] != 1:
            return training.train_step(self.model, xb, yb, wb)
        # As in compute_gradients: an overflow in the forward pass shows up
        # as a non-finite loss, which fit reports once.
        with np.errstate(over="ignore", invalid="ignore"):
            out = xb
            for forward in self.forwards:
                out = forward(out, training=True)
            out, loss_value = self._sparse_head_of_one(out, yb, wb)
            # The general path adds the sum of every layer's penalty, 0.0 when
            # none has one; adding 0.0 is kept (it turns a loss of -0.0 into 0.0).
            loss_value += sum(penalty() for penalty in self.penalties) if self.penalties else 0.0
        if not math.isfinite(loss_value):
            return out, loss_value
        # p - y, as logit_gradient: one off at the true class, then divided
        # by the batch size (one, which changes nothing).
        grad = out.copy()
        grad[0, yb[0]] -= 1.0
        if wb is not None:
            grad *= wb.reshape(-1, 1)
        grad = self.last_backward(grad, preactivation=True)
        for backward in self.backwards:
            grad = backward(grad)
        self.apply(self.params, self.grads)
        for constrain in self.constraints:
            constrain()
        return out, loss_value

    def _sparse_head_of_one(self, h, yb, wb):
        """Output and loss of one sample from the last layer's input ``h``,
        for a softmax output with class-index cross-entropy.

        The general path computes the softmax (``Softmax.forward``), then
        the loss from the logits (``losses._logsumexp``), which repeats the
        softmax's row maximum, exponentials and sum on the same arrays.
        Here they are computed once and used for both, in the same order and
        with the same array shapes, so every value is the same."""
        last = self.last
        z = last.preactivation(h)
        m = z.max(axis=1, keepdims=True)
        p = np.exp(z - m)
        s = p.sum(axis=1, keepdims=True)
        lse = m + np.log(s)
        p /= s
        last._x, last._z, last._a = h, z, p
        # The per-sample loss (lse - picked) has one entry, so its sum over
        # the batch, divided by one, is that entry (weighted: times w).
        per_sample = lse[0, 0] - z[0, yb[0]]
        return p, float(per_sample if wb is None else per_sample * wb[0])
