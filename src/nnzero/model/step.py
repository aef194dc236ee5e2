"""How one batch trains: forward pass, loss, backward pass, optimizer update.

:func:`compute_gradients` is the forward and backward pass, filling every
layer's ``grads``; :func:`train_step` adds the optimizer's update and the
weight constraints. Both look everything up on the model each time.

:class:`TrainStep` is what ``fit``'s epoch loop calls per batch. It trains
exactly as :func:`train_step` (``tests/test_step.py`` requires the same
bits), with one branch of its own: a batch of one sample through a softmax
output with class-index cross-entropy (the tutorials' per-sample set-up).
A step on one sample takes tens of microseconds, so there the look-ups are
a large share of it; the branch makes them once (:meth:`TrainStep.refresh`
makes them again when the model changed) and computes the softmax and the
log-sum-exp of the loss from one ``exp`` (:func:`~nnzero.losses.softmax_and_logsumexp`).

Whichever branch runs, the output layer's gradient comes from one place:
the loss's :meth:`~nnzero.losses.Loss.gradient_wrt_logits` (``p - y``) when
the output activation is fused with the loss, its
:meth:`~nnzero.losses.Loss.gradient` otherwise.

Example
-------
>>> import numpy as np
>>> import nnzero as nz
>>> from nnzero.model.step import train_step
>>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax", kernel_initializer="zeros")])
>>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
>>> model.build((3,))
>>> out, loss = train_step(model, np.ones((4, 3), "float32"), np.array([0, 1, 0, 1]), None)
>>> out.shape, round(loss, 4)
((4, 2), 0.6931)
"""

from __future__ import annotations

import math
from operator import is_not

import numpy as np

from ..layers.base import Layer
from ..layers.dense import Dense
from ..losses import SparseCategoricalCrossentropy, softmax_and_logsumexp
from .step_kernel import compiled_step


def compute_gradients(model, xb, yb, wb=None):
    """Forward and backward pass filling every layer's ``grads``.

    Returns the output and the loss (with regularization); when the loss is
    not finite the backward pass is skipped.
    """
    loss, layers = model.loss, model.layers
    last = layers[-1]
    # An overflow anywhere in the forward pass shows up as a non-finite loss,
    # which fit reports once with a NonFiniteLossWarning; NumPy's own
    # warnings about it would only repeat that.
    with np.errstate(over="ignore", invalid="ignore"):
        h = xb
        for layer in layers[:-1]:
            h = layer.forward(h, training=True)
        out = last.forward(h, training=True)
        if model.output_fused:
            # Value from the logits (exact even when a probability underflows).
            per_sample = loss.per_sample_from_logits(yb, _output_logits(last, h))
            loss_value = float(_weighted_mean(per_sample, wb))
        else:
            loss_value = loss.value(yb, out, wb)
        loss_value += sum(layer.penalty() for layer in layers)
    if not math.isfinite(loss_value):
        return out, loss_value
    grad = output_gradient(model, yb, out, wb)
    if model.output_fused:  # the gradient is already w.r.t. the logits
        grad = last.backward(grad, preactivation=True)
        layers = layers[:-1]
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return out, loss_value


def output_gradient(model, yb, out, wb):
    """The gradient backpropagation starts from, for the output ``out``.

    With the output activation fused with the loss it is with respect to the
    logits, ``(p - y) / n`` (skipping the activation's Jacobian); otherwise
    with respect to the output. Both steps take it from here.
    """
    if model.output_fused:
        return model.loss.gradient_wrt_logits(yb, out, wb)
    return model.loss.gradient(yb, out, wb)


def _output_logits(last, h):
    """The logits of a fused output layer whose input was ``h``: a Dense
    layer's pre-activation, or the input itself for an activation layer."""
    return last.last_preactivation if isinstance(last, Dense) else h


def _weighted_mean(per_sample, weights):
    if weights is not None:
        per_sample = per_sample * weights
    return per_sample.sum() / per_sample.shape[0]


def train_step(model, xb, yb, wb):
    """Forward, backward and one optimizer update on a batch.

    Returns the batch output and its loss (with regularization). When the
    loss is not finite nothing is updated.
    """
    out, loss_value = compute_gradients(model, xb, yb, wb)
    if math.isfinite(loss_value):
        model.optimizer.apply(model.params, model.grads)
        for layer in model.layers:  # constraints project the updated weights
            constrain = getattr(layer, "apply_constraints", None)
            if constrain is not None:
                constrain()
    return out, loss_value


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


def _depends_on(model) -> list:
    """What a prepared step read from the model, to compare by identity.
    (Which layers have a penalty or a constraint can change only with a
    Dense layer's regularizer or constraint.)"""
    read = [model.optimizer, model.loss, model.output_fused,
            getattr(model.loss, "label_smoothing", None)]
    for layer in model.layers:
        read += (getattr(layer, "kernel_regularizer", None),
                 getattr(layer, "kernel_constraint", None))
    return read


class TrainStep:
    """``step(xb, yb, wb) -> (output, loss)``: forward, backward and one
    optimizer update, bit for bit as :func:`train_step` (with the optional
    compiled one-sample step, :attr:`compiled`, batches of one agree with it
    to rounding instead).

    ``fit`` makes one per epoch (after the callbacks' ``on_epoch_begin``) and
    calls :meth:`refresh` after the callbacks' ``on_batch_end``, so a
    callback that replaces the optimizer or the loss, or gives a layer a
    regularizer or a constraint, is followed from the next batch on. (The
    learning rate is read by the optimizer at every update.)

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> model.build((3,))
    >>> step = TrainStep(model)
    >>> out, loss = step(np.ones((1, 3), "float32"), np.array([1]), None)
    >>> step.of_one, out.shape
    (True, (1, 2))
    """

    def __init__(self, model):
        self.model = model
        self._prepare()

    @property
    def compiled(self):
        """The compiled one-sample step (:mod:`.step_kernel`) this step uses
        for batches of one, or None where the NumPy branch runs them."""
        if not self._compiled_known:
            self._compiled = compiled_step(self.model)
            self._compiled_known = True
        return self._compiled

    def refresh(self) -> None:
        """Prepare again if anything the batch-of-one branch uses changed."""
        now, before = _depends_on(self.model), self._read
        if len(now) != len(before) or any(map(is_not, now, before)):
            self._prepare()

    def _prepare(self):
        model = self.model
        self._read = _depends_on(model)
        layers, loss = model.layers, model.loss
        # The fused softmax / class-index cross-entropy head, the common case.
        self.of_one = (
            model.output_fused
            and type(loss) is SparseCategoricalCrossentropy
            and not loss.label_smoothing
            and type(layers[-1]) is Dense
        )
        # -- compiled step hook (model/step_kernel.py) --------------------------
        # With numba and the kernels on, a plain-SGD stack of Dense layers
        # trains one sample in one compiled call; None: the NumPy branch.
        # The compiled step agrees with that branch to rounding, not bit for
        # bit (step_kernel's docstring says why); step_kernel.ENABLED = False
        # keeps the NumPy branch, and the bits this class's docstring promises.
        # It is looked up on first use (the `compiled` property): loading the
        # compiled code takes about a second, which a model that never sees a
        # batch of one should not pay.
        self._compiled, self._compiled_known = None, not self.of_one
        # -- end of the compiled step hook ------------------------------------
        if not self.of_one:
            return
        self.forwards = [layer.forward for layer in layers[:-1]]
        self.last = layers[-1]
        self.backwards = [layer.backward for layer in layers[-2::-1]]
        # Layers whose penalty is 0.0 by construction add nothing to the
        # loss: the sum of the others is the same float (x + 0.0 is x).
        self.penalties = [layer.penalty for layer in layers if _has_penalty(layer)]
        self.constraints = [layer.apply_constraints for layer in layers
                            if _has_constraint(layer)]
        self.params, self.grads = model.params, model.grads
        self.apply = model.optimizer.apply

    def __call__(self, xb, yb, wb):
        if not self.of_one or xb.shape[0] != 1:
            return train_step(self.model, xb, yb, wb)
        compiled = self.compiled
        if compiled is not None:  # compiled step hook (model/step_kernel.py)
            done = compiled(xb, yb, wb)
            if done is not None:  # None: it no longer applies, the NumPy branch runs
                return done
        return self._step_of_one(xb, yb, wb)

    def _step_of_one(self, xb, yb, wb):
        """:func:`train_step` on one sample: the same operations in the same
        order, on arrays of the same shapes, so every value is the same."""
        last = self.last
        with np.errstate(over="ignore", invalid="ignore"):
            h = xb
            for forward in self.forwards:
                h = forward(h, training=True)
            z = last.preactivation(h)
            # Softmax.forward and logsumexp repeat one max, exp and sum.
            out, lse = softmax_and_logsumexp(z)
            last.keep_for_backward(h, z, out)
            # The class-index cross-entropy of one sample, lse - z[y]: its sum
            # over the batch, divided by one, is that entry (times w if weighted).
            per_sample = lse[0, 0] - z[0, yb[0]]
            loss_value = float(per_sample if wb is None else per_sample * wb[0])
            # The general step adds the sum of every layer's penalty, 0.0 when
            # none has one; adding 0.0 is kept (it turns a loss of -0.0 into 0.0).
            loss_value += sum(penalty() for penalty in self.penalties) if self.penalties else 0.0
        if not math.isfinite(loss_value):
            return out, loss_value
        grad = last.backward(output_gradient(self.model, yb, out, wb), preactivation=True)
        for backward in self.backwards:
            grad = backward(grad)
        self.apply(self.params, self.grads)
        for constrain in self.constraints:
            constrain()
        return out, loss_value
