"""Batch normalisation of each feature over the batch."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_number, check_positive
from ..errors import InvalidArgumentError
from .base import Layer
from .registry import register


@register("batch_normalization", "batchnorm")
class BatchNormalization(Layer):
    """``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, per feature.

    While training, ``mean`` and ``var`` are the batch's own (the biased
    variance), and running estimates are updated as
    ``running = (1 - momentum) * running + momentum * batch`` (the variance
    with Bessel's correction); at inference the running estimates are used.
    The rules and defaults are PyTorch's ``BatchNorm1d`` (``momentum=0.1``,
    ``epsilon=1e-5``), so a network trained here and there stays equal to
    rounding. Put it between a ``Dense`` without activation (its bias is
    redundant: ``use_bias=False``) and an ``Activation`` layer.

    The running estimates are saved with the model (``state`` and
    ``state_names``, beside ``params``) but are not parameters: optimizers,
    weight decay and constraints never touch them.

    Notes
    -----
    With ``xhat = (x - mean) / sqrt(var + eps)`` over a batch of ``n``::

        dL/dgamma = sum(g * xhat);   dL/dbeta = sum(g)
        dL/dx = gamma / (n * sqrt(var + eps))
                * (n * g - sum(g) - xhat * sum(g * xhat))

    Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network
    Training by Reducing Internal Covariate Shift", ICML 2015.

    Parameters
    ----------
    momentum : float, default 0.1
        Weight of the batch's statistics in the running estimates, in [0, 1].
    epsilon : float, default 1e-5
        Added to the variance for numerical stability.
    center : bool, default True
        Learn the shift ``beta``.
    scale : bool, default True
        Learn the scale ``gamma``.
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> bn = nz.layers.BatchNormalization()
    >>> bn.build((2,), np.random.default_rng(0), np.float64)
    >>> y = bn.forward(np.array([[1.0, 10.0], [3.0, 30.0]]), training=True)
    >>> y.round(3)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> bn.state[0]  # running mean after one batch: 0.9 * 0 + 0.1 * (2, 20)
    array([0.2, 2. ])
    """

    def __init__(self, momentum: float = 0.1, epsilon: float = 1e-5, center: bool = True,
                 scale: bool = True, name: str | None = None):
        super().__init__(name)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.center = check_bool(center, "center")
        self.scale = check_bool(scale, "scale")
        self.state: list[np.ndarray] = []
        self.state_names = ["moving_mean", "moving_variance"]
        self._xhat = self._inv_std = None

    def build(self, input_shape, rng, dtype):
        if len(input_shape) != 1:
            raise InvalidArgumentError(
                f"BatchNormalization expects 2-D input (n_samples, n_features); received "
                f"samples of shape {tuple(input_shape)}. Put a Flatten() layer first."
            )
        width = input_shape[0]
        self.params, self.param_names = [], []
        if self.scale:
            self.params.append(np.ones(width, dtype=dtype))
            self.param_names.append("gamma")
        if self.center:
            self.params.append(np.zeros(width, dtype=dtype))
            self.param_names.append("beta")
        self.grads = [np.zeros_like(p) for p in self.params]
        self.state = [np.zeros(width, dtype=dtype), np.ones(width, dtype=dtype)]
        super().build(input_shape, rng, dtype)

    @property
    def gamma(self):
        return self.params[0] if self.scale else None

    @property
    def beta(self):
        return self.params[-1] if self.center else None

    def forward(self, x, training=False):
        if training:
            mean = x.mean(axis=0)
            centred = x - mean
            var = np.mean(centred * centred, axis=0)
            inv_std = 1.0 / np.sqrt(var + self.epsilon)
            xhat = centred * inv_std
            self._xhat, self._inv_std = xhat, inv_std
            self._update_running(mean, var, len(x))
        else:
            running_mean, running_var = self.state
            xhat = (x - running_mean) * (1.0 / np.sqrt(running_var + self.epsilon))
        out = xhat * self.gamma if self.scale else xhat.copy()  # xhat is kept for backward
        if self.center:
            out += self.beta
        return out

    def _update_running(self, mean, var, n):
        m = self.momentum
        running_mean, running_var = self.state
        running_mean *= 1.0 - m
        running_mean += m * mean
        if n > 1:  # one sample has no unbiased variance; its estimate is left as it was
            running_var *= 1.0 - m
            running_var += (m * n / (n - 1)) * var

    def backward(self, grad):
        xhat = self._xhat
        i = 0
        if self.scale:
            np.sum(grad * xhat, axis=0, out=self.grads[0])
            i = 1
        if self.center:
            np.sum(grad, axis=0, out=self.grads[i])
        if not self.needs_input_grad:
            return None
        g = grad * self.gamma if self.scale else grad
        n = grad.shape[0]
        mean_g = g.sum(axis=0) / n
        mean_gx = np.sum(g * xhat, axis=0) / n
        return (g - mean_g - xhat * mean_gx) * self._inv_std

    def get_config(self):
        return {"name": "batch_normalization", "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


#: The shorter name PyTorch users know.
BatchNorm = BatchNormalization
