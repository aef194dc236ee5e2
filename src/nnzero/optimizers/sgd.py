"""Stochastic gradient descent, with momentum and Nesterov momentum.

Example
-------
>>> from nnzero.optimizers.sgd import SGD
>>> SGD(0.1, momentum=0.9).momentum
0.9
"""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._validation import check_bool, check_number
from ..errors import InvalidArgumentError
from .base import Optimizer, register


@register("sgd")
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Parameters
    ----------
    learning_rate : float or Schedule, default 0.001
        Step size (PyTorch's ``lr``), or a schedule of it.
    momentum : float, default 0
        Momentum factor ``mu`` in [0, 1); 0 is plain gradient descent.
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    dampening : float, default 0
        Share of each new gradient left out of the momentum buffer, in [0, 1].

    Raises
    ------
    InvalidArgumentError
        If a value is out of its range, or ``nesterov`` is asked for without
        momentum or with dampening.

    Notes
    -----
    With momentum ``mu`` and dampening ``d`` (PyTorch's formulation)::

        g   = grad + weight_decay * w
        buf = g                           on the first step
        buf = mu * buf + (1 - d) * g      afterwards
        g   = g + mu * buf  if nesterov else buf
        w  -= lr * g

    Nesterov momentum: Sutskever et al., "On the importance of initialization
    and momentum in deep learning", ICML 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import SGD
    >>> w = np.array([1.0])
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.apply([w], [np.array([1.0])])
    >>> w  # steps of 0.1, then 0.1 * (0.9 + 1)
    array([0.71])
    """

    def __init__(
        self,
        learning_rate=1e-3,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ):
        super().__init__(learning_rate, weight_decay)
        # 1 or more never forgets a gradient: the steps grow without bound.
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0,
                                     high_inclusive=False)
        self.dampening = check_number(dampening, "dampening", low=0.0, high=1.0)
        nesterov = check_bool(nesterov, "nesterov")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise InvalidArgumentError(
                "Nesterov momentum needs momentum > 0 and dampening = 0. "
                f"Received: momentum={momentum}, dampening={dampening}"
            )
        self.nesterov = nesterov
        self.slot_names = ("momentum",) if self.momentum else ()
        self._compiled_kernel()  # compiled now rather than at the first step

    def _compiled_kernel(self):
        """The numba extra's compiled update, or None where NumPy runs it (no
        numba, kernels off, or momentum or weight decay, which it does not cover)."""
        return None if self.momentum or self.weight_decay else _kernels.get("sgd")

    def uses_compiled_kernel(self) -> bool:
        return self._compiled_kernel() is not None

    def _update(self, param, grad, lr, state):
        kernel = self._compiled_kernel()
        if kernel is not None and _kernels.usable(param, grad):
            kernel(param, grad, param.dtype.type(lr))  # the same bits in one pass
            return
        g = self._decayed(param, grad)
        tmp = self._scratch("t", param)
        if self.momentum:
            buf = state["momentum"]
            if self.iterations == 1:
                buf[...] = g
            else:
                buf *= self.momentum
                buf += np.multiply(g, 1.0 - self.dampening, out=tmp)
            if self.nesterov:
                g = np.add(g, np.multiply(buf, self.momentum, out=tmp), out=tmp)
            else:
                g = buf
        param -= np.multiply(g, lr, out=tmp)

    def _hyper_parameters(self):
        return {
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "dampening": self.dampening,
        }
