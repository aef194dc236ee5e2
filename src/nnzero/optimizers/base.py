"""The optimizer base class, the registry of optimizer names, and ``get``.

Example
-------
>>> from nnzero.optimizers import base
>>> base.get("sgd").learning_rate
0.001
"""

from __future__ import annotations

import numpy as np

from .. import schedules
from .._flat import FlatState
from .._registry import Registry, config_of
from .._validation import check_number, check_positive

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

    def uses_compiled_kernel(self) -> bool:
        """Whether the update runs in a compiled kernel of the optional
        ``numba`` extra rather than in NumPy.

        True only with numba installed, kernels not switched off
        (``NNZERO_KERNELS=numpy``) and a variant the kernels cover (plain
        SGD; Adam without AMSGrad or weight decay). Both give the same bits.

        Returns
        -------
        bool

        Examples
        --------
        >>> from nnzero.optimizers import SGD
        >>> SGD(0.1, momentum=0.9).uses_compiled_kernel()  # momentum: NumPy only
        False
        """
        return False

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


def check_beta(value, name):
    """``value`` (the argument ``name``) checked as a decay rate in [0, 1).

    Example
    -------
    >>> check_beta(0.9, "beta_1")
    0.9
    """
    return check_number(value, name, low=0.0, high=1.0, high_inclusive=False)


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
