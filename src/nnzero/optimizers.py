"""Optimizers: update parameters in place from their gradients.

Each update rule is PyTorch's (``torch.optim``) for the same
hyper-parameters, and the defaults are PyTorch's, so a model trained here and
one trained there from the same weights stay equal to rounding. Weight decay
is PyTorch's coupled L2 (``g += wd * w``) except in :class:`AdamW`, where it is
decoupled.

The base class keeps the step counter and the learning rate (a float or a
schedule from :mod:`nnzero.schedules`); subclasses create their state in
``build`` (lists parallel to the parameters) and implement ``update_step``.
The built-in rules implement ``_update`` instead, which works on any
arrays element-wise: when a model's parameters are views into one flat
buffer (as :class:`~nnzero.Sequential` lays them out), one call updates them
all at once, bit for bit as parameter by parameter.

Example
-------
>>> import numpy as np
>>> from nnzero import optimizers
>>> w, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
>>> opt = optimizers.SGD(learning_rate=0.1)
>>> opt.apply([w], [g])
>>> w
array([0.95, 2.05])
"""

from __future__ import annotations

import math

import numpy as np

from . import _kernels, schedules
from ._flat import FlatState
from ._registry import Registry, config_of
from ._validation import check_bool, check_number, check_positive
from .errors import InvalidArgumentError

_REGISTRY = Registry("optimizer", protocol=("apply",))
register = _REGISTRY.register


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    learning_rate : float, Schedule, dict or callable
        The step size: a positive number, or a schedule from
        :mod:`nnzero.schedules` (an object, its config, or a function of the
        step number) evaluated before every update.
    weight_decay : float, default 0
        L2 penalty coefficient added to each gradient (``g += wd * w``).

    Raises
    ------
    InvalidArgumentError
        If ``learning_rate`` is not positive or ``weight_decay`` is negative.

    Notes
    -----
    A subclass lists its per-parameter state arrays in ``slot_names`` and
    implements ``_update(param, grad, lr, state)`` element-wise (or
    ``update_step``); ``apply`` creates the state on first use.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.optimizers import Optimizer
    >>> class SignDescent(Optimizer):
    ...     def _update(self, param, grad, lr, state):
    ...         param -= lr * np.sign(grad)
    >>> w = np.array([1.0, -1.0])
    >>> SignDescent(0.5).apply([w], [np.array([3.0, -0.1])])
    >>> w
    array([ 0.5, -0.5])
    """

    #: Names of the per-parameter state arrays, saved with the model.
    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate, weight_decay: float = 0.0):
        if isinstance(learning_rate, (dict, schedules.Schedule)) or (
            callable(learning_rate) and not isinstance(learning_rate, (int, float))
        ):
            self.learning_rate = schedules.get(learning_rate)
        else:
            self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.iterations = 0
        self.slots: dict[str, list[np.ndarray]] = {}
        self.built = False
        self._flat: FlatState | None = None
        self._buffers: dict = {}

    def current_learning_rate(self) -> float:
        """The rate the next update will use."""
        if isinstance(self.learning_rate, float):
            return self.learning_rate
        return float(self.learning_rate(self.iterations))

    def build(self, params: list[np.ndarray]) -> None:
        """Create zeroed state for each slot, parallel to ``params``."""
        self.slots = {name: [np.zeros_like(p) for p in params] for name in self.slot_names}
        self.built = True

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One update step of every parameter, in place.

        Parameters
        ----------
        params : list of ndarray
            The parameters, updated in place.
        grads : list of ndarray
            Their gradients, in the same order.
        """
        if not self.built:
            self.build(params)
        lr = self.current_learning_rate()
        self.iterations += 1
        flat = self._flat
        if flat is None or not flat.matches(params, grads, self.slots):
            flat = self._flat = FlatState.create(params, grads, self.slots)
        if flat.flat is not None and type(self).update_step is Optimizer.update_step:
            param, grad, state = flat.flat
            self._update(param, grad, lr, state)
            return
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self.update_step(i, param, grad, lr)

    def update_step(self, i: int, param: np.ndarray, grad: np.ndarray, lr: float) -> None:
        """Update parameter ``i`` in place (override this, or ``_update``)."""
        self._update(param, grad, lr, {name: arrays[i] for name, arrays in self.slots.items()})

    def _update(self, param, grad, lr: float, state: dict) -> None:
        """The element-wise rule on ``param`` with its ``state`` arrays (one
        parameter's, or all of them flattened)."""
        raise NotImplementedError

    def _scratch(self, name: str, like: np.ndarray) -> np.ndarray:
        """A temporary array shaped like ``like``, reused from step to step."""
        key = (name, like.shape, like.dtype)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = np.empty_like(like)
        return buffer

    def _decayed(self, param, grad):
        """PyTorch's coupled weight decay: the gradient of ``wd/2 * |w|^2`` added."""
        return grad + self.weight_decay * param if self.weight_decay else grad

    # -- saving -----------------------------------------------------------------
    def get_state(self) -> dict:
        """Step counter and state arrays, for checkpoints and ``save``."""
        return {"iterations": self.iterations, "slots": self.slots}

    def set_state(self, state: dict) -> None:
        self.iterations = int(state["iterations"])
        self.slots = {k: [np.array(a) for a in v] for k, v in state["slots"].items()}
        self.built = bool(self.slots) or not self.slot_names

    def get_config(self) -> dict:
        lr = self.learning_rate
        return {
            "name": self.registered_name,
            "learning_rate": lr if isinstance(lr, float) else config_of(lr, "schedule"),
            **self._hyper_parameters(),
        }

    def _hyper_parameters(self) -> dict:
        return {"weight_decay": self.weight_decay}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _check_beta(value, name):
    return check_number(value, name, low=0.0, high=1.0, high_inclusive=False)


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
        if not self.momentum and not self.weight_decay:
            _kernels.get("sgd")  # compiled now rather than at the first step

    def _update(self, param, grad, lr, state):
        if not self.momentum and not self.weight_decay:
            kernel = _kernels.get("sgd")
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
        self.alpha = _check_beta(alpha, "alpha")
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
        self.beta_1 = _check_beta(beta_1, "beta_1")
        self.beta_2 = _check_beta(beta_2, "beta_2")
        self.eps = check_positive(eps, "eps")
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self.slot_names = ("m", "v") + (("v_max",) if self.amsgrad else ())
        if not self.amsgrad and not self.weight_decay:
            _kernels.get("adam")  # compiled now rather than at the first step

    def _update(self, param, grad, lr, state):
        if self.decoupled:
            if self.weight_decay:
                param *= 1.0 - lr * self.weight_decay
            g = grad
        else:
            g = self._decayed(param, grad)
        t = self.iterations
        m, v = state["m"], state["v"]
        kernel = None if self.amsgrad or self.weight_decay else _kernels.get("adam")
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


def get(identifier, argument: str = "optimizer") -> Optimizer:
    """Resolve a name (with default settings), config dict or object.

    Parameters
    ----------
    identifier : str, dict or Optimizer
        A registered name (see :func:`names`), a config as ``get_config``
        returns it, or an optimizer, returned as it is.
    argument : str, default "optimizer"
        The argument's name in error messages.

    Returns
    -------
    Optimizer

    Raises
    ------
    InvalidArgumentError
        For an unknown name (the closest valid one is suggested).

    Examples
    --------
    >>> get("adam")
    Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, eps=1e-08, weight_decay=0.0, amsgrad=False)
    """
    return _REGISTRY.get(identifier, argument)


def names() -> list[str]:
    """The registered optimizer names.

    Returns
    -------
    list of str

    Examples
    --------
    >>> names()
    ['adagrad', 'adam', 'adamw', 'rmsprop', 'sgd']
    """
    return _REGISTRY.names()
