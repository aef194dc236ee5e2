"""Adam and AdamW (decoupled weight decay).

Example
-------
>>> from nnzero.optimizers.adam import Adam, AdamW
>>> Adam().beta_1, AdamW().weight_decay
(0.9, 0.01)
"""

from __future__ import annotations

import math

import numpy as np

from .. import _kernels
from .._validation import check_bool, check_positive
from .base import Optimizer, check_beta, register


@register("adam")
class Adam(Optimizer):
    """Adaptive moment estimation.

    Parameters
    ----------
    learning_rate : float or Schedule, default 0.001
        Step size ``lr``, or a schedule of it.
    beta_1 : float, default 0.9
        Decay of the running mean of the gradients, in [0, 1).
    beta_2 : float, default 0.999
        Decay of the running mean of the squared gradients, in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient (decoupled in :class:`AdamW`).
    amsgrad : bool, default False
        Divide by the running maximum of ``v`` (AMSGrad) instead of ``v``.

    Raises
    ------
    InvalidArgumentError
        If a value is out of its range.

    Notes
    -----
    ::

        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g^2          (v_max = max(v_max, v) with amsgrad)
        w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
    AMSGrad: Reddi, Kale & Kumar, ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import Adam
    >>> w = np.array([1.0, 1.0])
    >>> Adam(learning_rate=0.1).apply([w], [np.array([5.0, -0.001])])
    >>> w.round(4)  # the bias-corrected first step is about lr * sign(g)
    array([0.9, 1.1])
    """

    #: Decoupled weight decay (AdamW) instead of L2 added to the gradient.
    decoupled = False

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        super().__init__(learning_rate, weight_decay)
        self.beta_1 = check_beta(beta_1, "beta_1")
        self.beta_2 = check_beta(beta_2, "beta_2")
        self.eps = check_positive(eps, "eps")
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self.slot_names = ("m", "v") + (("v_max",) if self.amsgrad else ())
        self._compiled_kernel()  # compiled now rather than at the first step

    def _compiled_kernel(self):
        """The numba extra's compiled update, or None where NumPy runs it (no
        numba, kernels off, or AMSGrad or weight decay, which it does not cover)."""
        return None if self.amsgrad or self.weight_decay else _kernels.get("adam")

    def uses_compiled_kernel(self) -> bool:
        return self._compiled_kernel() is not None

    def _update(self, param, grad, lr, state):
        if self.decoupled:
            if self.weight_decay:
                param *= 1.0 - lr * self.weight_decay
            g = grad
        else:
            g = self._decayed(param, grad)
        t = self.iterations
        m, v = state["m"], state["v"]
        kernel = self._compiled_kernel()
        if kernel is not None and _kernels.usable(param, g, m, v):
            # The rule below in one compiled pass, with its constants as
            # scalars of the parameters' dtype (as NumPy converts them).
            c = param.dtype.type
            kernel(param, g, m, v, c(self.beta_1), c(1.0 - self.beta_1), c(self.beta_2),
                   c(1.0 - self.beta_2), c(math.sqrt(1.0 - self.beta_2**t)), c(self.eps),
                   c(lr / (1.0 - self.beta_1**t)))
            return
        tmp = self._scratch("t", param)
        # Written with out= into one reused temporary; the same operations in
        # the same order as m += (1 - b1) * g, v += (1 - b2) * (g * g), etc.
        m *= self.beta_1
        m += np.multiply(g, 1.0 - self.beta_1, out=tmp)
        v *= self.beta_2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.beta_2
        v += tmp
        if self.amsgrad:
            v_max = state["v_max"]
            np.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1.0 - self.beta_1**t)
        denom = np.sqrt(v, out=tmp)
        denom /= math.sqrt(1.0 - self.beta_2**t)
        denom += self.eps
        step = np.divide(m, denom, out=tmp)
        step *= step_size
        param -= step

    def _hyper_parameters(self):
        return {
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
        }


@register("adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay: ``w *= 1 - lr * weight_decay`` before
    the Adam step (default decay 0.01, as PyTorch).

    Parameters
    ----------
    learning_rate, beta_1, beta_2, eps, amsgrad
        As in :class:`Adam`.
    weight_decay : float, default 0.01
        Decoupled decay: each weight shrinks by ``lr * weight_decay`` of
        itself per step, whatever its gradient.

    Notes
    -----
    Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import AdamW
    >>> w = np.array([2.0])
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).apply([w], [np.array([1.0])])
    >>> w.round(4)  # 2 * (1 - 0.1 * 0.5), then the Adam step of about 0.1
    array([1.8])
    """

    decoupled = True

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ):
        super().__init__(learning_rate, beta_1, beta_2, eps, weight_decay, amsgrad)
