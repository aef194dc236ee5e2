"""A compiled training step for one sample through a stack of Dense layers.

With the ``numba`` extra installed (``pip install nnzero[numba]``) and the
kernels on (see :mod:`nnzero._kernels`; ``NNZERO_KERNELS=numpy`` turns
them off), :class:`~nnzero.model.step.TrainStep` trains a batch of one
sample in a single compiled call when :func:`compiled_step` says the model
qualifies. On arrays this small (MNIST's 784-128-64-10) a NumPy step is
mostly the cost of calling NumPy: some forty calls of about a microsecond
each. The compiled step makes one call.

It computes what the NumPy batch-of-one branch (``TrainStep._step_of_one``)
computes, operation for operation, for each layer ``l`` with input ``x``
(Dense.backward's equations)::

    z = x W + b,  a = f(z)                               forward
    p = softmax(z_L),  lse = max(z_L) + log(sum(exp(z_L - max(z_L))))
    loss = (lse - z_L[y]) * w                            (w: the sample weight)
    dz_L = (p - onehot(y)) * w                           the fused output gradient
    dW = x^T dz,  db = dz,  dx = dz W^T                  backward (no dx for l = 0)
    dz_(l-1) = dx * f'(z_(l-1))                          sigmoid: a (1 - a); tanh: 1 - a a;
                                                         relu: (z > 0); linear: 1
    W -= dW * lr,  b -= db * lr                          plain SGD

Element-wise operations are written as NumPy orders them, in the
parameters' dtype (``1 - a`` with a 1 of that dtype, the weight's product
in float64 as NumPy promotes it). Two things differ in the last bits:
a matrix-vector product sums its terms in index order where BLAS blocks
them, and ``exp``, ``log`` and ``tanh`` are the C library's where NumPy may
use its own SIMD versions. So the result agrees with the NumPy step to
rounding (``tests/test_step_kernel.py`` holds it to 1e-12 relative in
float64 and 1e-5 in float32 over hundreds of steps) without being the same
bits. It is deterministic: the same inputs give the same bits, so a run
resumed from a checkpoint on the same machine repeats the run it resumes.

Each layer's gradient is written into the model's own ``grads`` arrays and
its ``last_input``, ``last_preactivation`` and ``last_output`` are set
(:meth:`~nnzero.layers.Dense.keep_for_backward`) to arrays of this step
that are reused from step to step, so callbacks, ``model.trace`` and a
following NumPy step see what the NumPy step leaves. A non-finite loss
leaves the gradients and the weights untouched, as the NumPy step does.

Example
-------
>>> import numpy as np
>>> import nnzero as nz
>>> from nnzero.model.step_kernel import compiled_step
>>> model = nz.Sequential([nz.layers.Dense(4, activation="sigmoid"),
...                        nz.layers.Dense(3, activation="softmax")], seed=0)
>>> model.compile(optimizer=nz.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
>>> model.build((5,))
>>> step = compiled_step(model)  # None without numba or with the kernels off
>>> if step is not None:
...     out, loss = step(np.ones((1, 5), "float32"), np.array([2]), None)
...     assert out.shape == (1, 3) and step.steps == 1
"""

from __future__ import annotations

import math

import numpy as np

from .. import _kernels
from .._flat import flat_base
from ..activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from ..layers.dense import Dense
from ..losses import SparseCategoricalCrossentropy
from ..optimizers import SGD

#: False keeps the NumPy batch-of-one step even where the compiled one
#: applies (the optimizers' kernels stay as ``nnzero._kernels`` sets them);
#: tests that hold that step to the general step's bits switch it off.
ENABLED = True

#: Activation classes of hidden layers the kernel computes, by exact type.
HIDDEN_ACTIVATIONS = {Linear: "linear", Sigmoid: "sigmoid", Tanh: "tanh", ReLU: "relu"}

_kernel = None  # the compiled step once compiled; False when numba is missing


def kernel():
    """The compiled step function, compiled (or loaded from numba's cache)
    for float32 and float64 on the first call; None when numba is not
    installed or the kernels are switched off (``nnzero._kernels.ENABLED``).

    Returns
    -------
    callable or None

    Example
    -------
    >>> k = kernel()
    >>> k is None or callable(k)
    True
    """
    global _kernel
    if not _kernels.ENABLED:
        return None
    if _kernel is None:
        from .step_kernel_loops import compile_kernel  # imports numba: only when wanted

        _kernel = compile_kernel() or False
    return _kernel or None


def applies(model) -> bool:
    """Whether the compiled step can train ``model`` on one sample.

    It can when every layer is exactly a :class:`~nnzero.layers.Dense` with
    no kernel regularizer or constraint, every hidden activation is exactly
    linear, sigmoid, tanh or ReLU, the output is a softmax fused with a
    :class:`~nnzero.losses.SparseCategoricalCrossentropy` without label
    smoothing, the optimizer is exactly :class:`~nnzero.optimizers.SGD`
    without momentum or weight decay, and the parameters and gradients are
    float32 or float64 and each lie in one contiguous buffer.

    Parameters
    ----------
    model : Sequential
        A compiled and built model.

    Returns
    -------
    bool

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(3, activation="softmax")])
    >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> model.build((2,))
    >>> applies(model)  # Adam: the NumPy step
    False
    """
    layers, loss, opt = model.layers, model.loss, model.optimizer
    if not (layers and model.output_fused and type(loss) is SparseCategoricalCrossentropy
            and not loss.label_smoothing):
        return False
    if type(opt) is not SGD or opt.momentum or opt.weight_decay:
        return False
    for i, layer in enumerate(layers):
        if type(layer) is not Dense or not getattr(layer, "built", True) or not layer.params:
            return False
        if layer.kernel_regularizer is not None or layer.kernel_constraint is not None:
            return False
        wanted = Softmax if i == len(layers) - 1 else None
        kind = type(layer.activation)
        if (kind is not wanted) if wanted else (kind not in HIDDEN_ACTIVATIONS):
            return False
    params, grads = flat_base(model.params), flat_base(model.grads)
    return (params is not None and grads is not None and params.dtype == grads.dtype
            and params.dtype in (np.float32, np.float64) and params.size == grads.size)


def compiled_step(model):
    """The compiled one-sample step for ``model``, or None where it does not
    apply (:func:`applies`), numba is absent, or the kernels are off
    (``nnzero._kernels.ENABLED``, ``NNZERO_KERNELS=numpy``, or this
    module's :data:`ENABLED`).

    Parameters
    ----------
    model : Sequential
        A compiled and built model.

    Returns
    -------
    CompiledStep or None

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(3, activation="softmax")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.build((2,))
    >>> compiled_step(model) is None  # not a softmax with class-index cross-entropy
    True
    """
    if not (ENABLED and _kernels.ENABLED) or not applies(model):
        return None
    k = kernel()
    return None if k is None else CompiledStep(model, k)


class CompiledStep:
    """``step(xb, yb, wb) -> (output, loss)`` on a batch of one sample, in
    one compiled call (see the module's description).

    The output returned is the same array at every step (overwritten by the
    next one), as are the layers' ``last_*`` arrays.

    Parameters
    ----------
    model : Sequential
        A model for which :func:`applies` is true.
    function : callable
        The compiled kernel, :func:`kernel`'s result.

    Attributes
    ----------
    steps : int
        How many steps this object trained (non-finite losses included).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")], dtype="float64")
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    >>> model.build((3,))
    >>> if kernel() is not None:
    ...     step = CompiledStep(model, kernel())
    ...     out, loss = step(np.ones((1, 3)), np.array([0]), np.array([2.0]))
    ...     assert step.steps == 1 and model.optimizer.iterations == 1
    """

    def __init__(self, model, function):
        self.model, self.function = model, function
        self.optimizer = model.optimizer
        self.params, self.grads = flat_base(model.params), flat_base(model.grads)
        dtype = self.dtype = self.params.dtype
        self.n_in = model.layers[0].params[0].shape[0]
        self.steps = 0
        from .step_kernel_loops import ACTIVATION_CODES, ONE_AT, X_AT, ZERO_AT

        # One row per layer: n_in, n_out, kernel offset, bias offset (-1:
        # none), activation code, and the offsets in `work` of z, a and the
        # layer's gradient dL/dz, in elements of the flat buffers. The
        # sample is copied into `work` after three constants.
        layers = model.layers
        rows, views, offset = [], [], 0
        n_work = X_AT + layers[0].params[0].shape[0]
        for i, layer in enumerate(layers):
            n_in, n_out = layer.params[0].shape
            kernel_at, offset = offset, offset + n_in * n_out
            bias_at = -1
            if layer.use_bias:
                bias_at, offset = offset, offset + n_out
            name = "softmax" if i == len(layers) - 1 else HIDDEN_ACTIVATIONS[
                type(layer.activation)]
            z_at = n_work
            a_at = z_at if name == "linear" else z_at + n_out  # linear: a is z, as in NumPy
            d_at = a_at + n_out
            n_work = d_at + n_out
            rows.append((n_in, n_out, kernel_at, bias_at, ACTIVATION_CODES[name],
                         z_at, a_at, d_at))
            views.append((z_at, a_at, n_out))
        self.layout = np.array(rows, dtype=np.int64)
        self.work = np.zeros(n_work, dtype)
        self.work[ZERO_AT], self.work[ONE_AT] = 0.0, 1.0
        # The arrays the layers keep for backward, shaped (1, n) as in NumPy.
        keeps, before = [], None
        for layer, (z_at, a_at, n) in zip(layers, views, strict=True):
            z = self.work[z_at:z_at + n].reshape(1, n)
            a = z if a_at == z_at else self.work[a_at:a_at + n].reshape(1, n)
            keeps.append((layer, before, z, a))
            before = a
        self.keeps = keeps
        self.out = keeps[-1][3]

    def __call__(self, xb, yb, wb):
        """Train on one sample.

        Parameters
        ----------
        xb : ndarray, shape (1, n_in)
            The sample, in the model's dtype.
        yb : ndarray, shape (1,)
            Its class index.
        wb : ndarray of shape (1,) or None
            Its weight.

        Returns
        -------
        (out, loss) or None
            ``out``, shape (1, k), is the softmax output (reused by the next
            step); ``loss`` the sample's loss (times its weight), and when
            it is not finite nothing was updated. None, with nothing done,
            when ``xb`` is not of the model's dtype and width or the
            optimizer was given momentum or weight decay since: the caller
            then takes the NumPy step.

        Example
        -------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        >>> model.build((3,))
        >>> step = compiled_step(model)
        >>> step is None or step(np.ones((1, 3), "float32"), np.array([1]), None)[0].shape == (1, 2)
        True
        """
        opt = self.optimizer
        if (xb.dtype is not self.dtype and xb.dtype != self.dtype) or xb.shape[1] != self.n_in \
                or opt.momentum or opt.weight_decay:
            return None  # changed since prepared, or not the model's samples: NumPy's step
        if not opt.built:  # as Optimizer.apply does on its first update
            opt.build(self.model.params)
        # Read before the step, as Optimizer.apply reads it before updating.
        # (No np.errstate: the compiled code raises no NumPy warnings.)
        if wb is None:
            loss = self.function(xb, yb[0], False, 1.0, opt.current_learning_rate(),
                                 self.params, self.grads, self.work, self.layout)
        else:
            loss = self.function(xb, yb[0], True, wb[0], opt.current_learning_rate(),
                                 self.params, self.grads, self.work, self.layout)
        self.steps += 1
        layer, _, z, a = self.keeps[0]
        if layer.last_preactivation is z:  # the others still hold this step's arrays
            layer.last_input = xb
        else:  # first compiled step, or another step ran in between
            for layer, before, z, a in self.keeps:
                layer.keep_for_backward(xb if before is None else before, z, a)
        if math.isfinite(loss):
            opt.iterations += 1
        return self.out, loss
