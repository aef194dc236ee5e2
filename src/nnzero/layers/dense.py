"""The fully connected layer."""

from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .._registry import config_of
from .._validation import check_bool, check_int
from ..errors import InvalidArgumentError
from .base import Layer
from .registry import register


@register("dense")
class Dense(Layer):
    """``a = activation(x @ kernel + bias)``.

    ``kernel`` has shape ``(n_in, units)`` and ``bias`` ``(units,)``, built
    from the first input's width, as in Keras.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : str, object or None
        Name (``"relu"``), an activation object, or ``None`` for linear.
    use_bias : bool
        Whether to add a bias vector.
    kernel_initializer, bias_initializer : str or object
        How to draw the initial weights.
    kernel_regularizer : str, object or None
        Penalty on the kernel, e.g. ``nnzero.regularizers.L2(1e-4)``.
    kernel_constraint : str, object or None
        Projection applied to the kernel after every optimizer step, e.g.
        ``nnzero.constraints.MaxNorm(3.0)``.
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Attributes
    ----------
    last_input, last_preactivation, last_output : ndarray or None
        The last training forward pass's ``x``, ``z = x @ kernel + bias`` and
        ``a = activation(z)``, which :meth:`backward` reads. A training step
        that computes the output activation itself (the fused softmax output)
        stores its own with :meth:`keep_for_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> layer = nz.layers.Dense(3, activation="relu")
    >>> layer.build((4,), np.random.default_rng(0), np.float64)
    >>> layer.forward(np.ones((2, 4))).shape
    (2, 3)
    """

    params_packable = True

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        kernel_constraint=None,
        name: str | None = None,
    ):
        super().__init__(name)
        self.units = check_int(units, "units", low=1)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer, "bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.last_input = self.last_preactivation = self.last_output = None

    def build(self, input_shape, rng, dtype):
        if len(input_shape) != 1:
            raise InvalidArgumentError(
                f"Dense expects 2-D input (n_samples, n_features); received samples of shape "
                f"{tuple(input_shape)}. Put a Flatten() layer first."
            )
        n_in = input_shape[0]
        kernel = np.asarray(self.kernel_initializer((n_in, self.units), rng, dtype), dtype=dtype)
        if kernel.shape != (n_in, self.units):
            raise InvalidArgumentError(
                f"kernel_initializer returned shape {kernel.shape}; expected {(n_in, self.units)}"
            )
        self.params = [np.ascontiguousarray(kernel)]
        self.param_names = ["kernel"]
        if self.use_bias:
            bias = np.asarray(self.bias_initializer((self.units,), rng, dtype), dtype=dtype)
            self.params.append(bias.reshape(self.units).copy())
            self.param_names.append("bias")
        self.grads = [np.zeros_like(p) for p in self.params]
        super().build(input_shape, rng, dtype)

    @property
    def kernel(self) -> np.ndarray:
        return self.params[0]

    @property
    def bias(self) -> np.ndarray | None:
        return self.params[1] if self.use_bias else None

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def preactivation(self, x):
        """``z = x @ kernel + bias``, the input of the activation."""
        z = x @ self.params[0]
        if self.use_bias:
            z += self.params[1]
        return z

    def forward(self, x, training=False):
        z = self.preactivation(x)
        a = self.activation.forward(z)
        if training:
            self.last_input, self.last_preactivation, self.last_output = x, z, a
        return a

    def keep_for_backward(self, x, z, a) -> None:
        """Store a training forward pass computed outside :meth:`forward`:
        its input ``x``, pre-activation ``z`` and output ``a``."""
        self.last_input, self.last_preactivation, self.last_output = x, z, a

    def backward(self, grad, preactivation: bool = False):
        """Backpropagate ``grad`` (w.r.t. the output, or w.r.t. ``z`` when
        ``preactivation`` is true, as in the fused softmax/cross-entropy path).

        dL/dz = grad * f'(z);  dL/dW = x^T dL/dz;  dL/db = sum over batch;
        dL/dx = dL/dz W^T.
        """
        if preactivation:
            dz = grad
        else:
            dz = self.activation.backward(grad, self.last_preactivation, self.last_output)
        x, kernel_grad = self.last_input, self.grads[0]
        if dz.shape[0] != 1:
            np.matmul(x.T, dz, out=kernel_grad)
        elif x.dtype == dz.dtype == kernel_grad.dtype:
            # x^T dz over a batch of one is an outer product: every entry is
            # one rounded product, whichever routine computes it. np.dot hands
            # it to BLAS (about twice as fast as the broadcast multiply below,
            # ten times np.matmul's own k=1 loop) and, like matmul, sums the
            # single term onto +0, so even the sign of a zero is matmul's.
            np.dot(x.T, dz, out=kernel_grad)
        else:  # np.dot writes `out` only in the product's own dtype
            np.multiply(x.T, dz, out=kernel_grad)
        if self.kernel_regularizer is not None:
            kernel_grad += self.kernel_regularizer.gradient(self.params[0])
        if self.use_bias:
            # Even over one row a sum, not a copy: it turns -0.0 into +0.0.
            # (np.add.reduce is what np.sum calls, without its wrapper's cost.)
            np.add.reduce(dz, axis=0, out=self.grads[1])
        return dz @ self.params[0].T if self.needs_input_grad else None

    def apply_constraints(self):
        """Project the kernel onto its constraint (called after each update)."""
        if self.kernel_constraint is not None:
            kernel = self.params[0]
            projected = self.kernel_constraint(kernel)
            if projected is not kernel:  # a user's constraint may return a new array
                kernel[...] = projected

    def penalty(self):
        if self.kernel_regularizer is None:
            return 0.0
        return self.kernel_regularizer.penalty(self.params[0])

    def get_config(self):
        return {
            "name": "dense",
            "units": self.units,
            "activation": config_of(self.activation, "activation"),
            "use_bias": self.use_bias,
            "kernel_initializer": config_of(self.kernel_initializer, "initializer"),
            "bias_initializer": config_of(self.bias_initializer, "initializer"),
            "kernel_regularizer": (
                None
                if self.kernel_regularizer is None
                else config_of(self.kernel_regularizer, "regularizer")
            ),
            # Left out when unset, so configs saved before constraints existed still match.
            **({} if self.kernel_constraint is None else
               {"kernel_constraint": config_of(self.kernel_constraint, "constraint")}),
        }
