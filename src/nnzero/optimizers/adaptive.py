"""Optimizers that scale each parameter's step by its gradients' history:
AdaGrad and RMSprop.

Example
-------
>>> from nnzero.optimizers.adaptive import AdaGrad, RMSprop
>>> AdaGrad().learning_rate, RMSprop().learning_rate
(0.01, 0.01)
"""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_number, check_positive
from .base import Optimizer, check_beta, register


@register("adagrad")
class AdaGrad(Optimizer):
    """Per-parameter rates shrinking with the sum of squared gradients.

    Parameters
    ----------
    learning_rate : float or Schedule, default 0.01
        Step size before the adaptive scaling.
    lr_decay : float, default 0
        The rate at step ``t`` is ``learning_rate / (1 + (t - 1) * lr_decay)``.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients.
    eps : float, default 1e-10
        Added to the denominator for numerical stability.

    Raises
    ------
    InvalidArgumentError
        If a value is negative, or ``eps`` is not positive.

    Notes
    -----
    ::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        G   += g * g
        w   -= lr_t * g / (sqrt(G) + eps)

    Duchi, Hazan & Singer, "Adaptive Subgradient Methods", JMLR 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import AdaGrad
    >>> w = np.array([1.0, 1.0])
    >>> AdaGrad(learning_rate=0.1).apply([w], [np.array([4.0, 0.01])])
    >>> w.round(6)  # the first step is lr * sign(g), whatever the gradient's size
    array([0.9, 0.9])
    """

    slot_names = ("sum",)

    def __init__(
        self,
        learning_rate=1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        super().__init__(learning_rate, weight_decay)
        self.lr_decay = check_number(lr_decay, "lr_decay", low=0.0)
        self.initial_accumulator_value = check_number(
            initial_accumulator_value, "initial_accumulator_value", low=0.0
        )
        self.eps = check_positive(eps, "eps")

    def build(self, params):
        self.slots = {"sum": [np.full_like(p, self.initial_accumulator_value) for p in params]}
        self.built = True

    def _update(self, param, grad, lr, state):
        g = self._decayed(param, grad)
        clr = lr / (1.0 + (self.iterations - 1) * self.lr_decay)
        acc, tmp = state["sum"], self._scratch("t", param)
        acc += np.multiply(g, g, out=tmp)
        denom = np.sqrt(acc, out=tmp)
        denom += self.eps
        step = np.divide(g, denom, out=tmp)
        step *= clr
        param -= step

    def _hyper_parameters(self):
        return {
            "lr_decay": self.lr_decay,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "eps": self.eps,
        }


@register("rmsprop")
class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    Parameters
    ----------
    learning_rate : float or Schedule, default 0.01
        Step size before the scaling.
    alpha : float, default 0.99
        Decay of the running average of squared gradients, in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum factor in [0, 1) applied to the scaled gradient.
    centered : bool, default False
        Divide by an estimate of the gradient's variance instead of its
        second moment.

    Raises
    ------
    InvalidArgumentError
        If a value is out of its range.

    Notes
    -----
    ::

        v = alpha * v + (1 - alpha) * g^2
        avg = sqrt(v - m^2) + eps  if centered (m: running mean of g)
        avg = sqrt(v) + eps        otherwise
        buf = momentum * buf + g / avg;  w -= lr * buf   if momentum > 0
        w  -= lr * g / avg                               otherwise

    Hinton, Lecture 6e of "Neural Networks for Machine Learning", 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import RMSprop
    >>> w = np.array([1.0])
    >>> RMSprop(learning_rate=0.01).apply([w], [np.array([2.0])])
    >>> w.round(4)  # 0.01 * 2 / sqrt(0.01 * 2**2)
    array([0.9])
    """

    def __init__(
        self,
        learning_rate=1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        super().__init__(learning_rate, weight_decay)
        self.alpha = check_beta(alpha, "alpha")
        self.eps = check_positive(eps, "eps")
        # 1 or more never forgets a gradient: the steps grow without bound.
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0,
                                     high_inclusive=False)
        self.centered = check_bool(centered, "centered")
        self.slot_names = (
            ("square_avg",)
            + (("grad_avg",) if centered else ())
            + (("momentum",) if self.momentum else ())
        )

    def _update(self, param, grad, lr, state):
        g = self._decayed(param, grad)
        sq = state["square_avg"]
        sq *= self.alpha
        sq += (1.0 - self.alpha) * (g * g)
        if self.centered:
            mean = state["grad_avg"]
            mean *= self.alpha
            mean += (1.0 - self.alpha) * g
            avg = np.sqrt(sq - mean * mean) + self.eps
        else:
            avg = np.sqrt(sq) + self.eps
        if self.momentum:
            buf = state["momentum"]
            buf *= self.momentum
            buf += g / avg
            param -= lr * buf
        else:
            param -= lr * (g / avg)

    def _hyper_parameters(self):
        return {
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
        }
