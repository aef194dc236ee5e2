"""Learning-rate schedules: objects mapping the optimizer's step count
(0, 1, 2... one per batch update) to a learning rate.

Pass one as an optimizer's ``learning_rate``. For an epoch-based schedule,
count steps as ``epochs * steps_per_epoch``.

Example
-------
>>> from nnzero import schedules, optimizers
>>> sched = schedules.StepDecay(0.1, step_size=10, gamma=0.5)
>>> sched(0), sched(10), sched(25)
(0.1, 0.05, 0.025)
>>> opt = optimizers.SGD(learning_rate=sched)
"""

from __future__ import annotations

import math

from ._registry import Registry
from ._validation import check_bool, check_int, check_number, check_positive

_REGISTRY = Registry("schedule", protocol=("__call__",))
register = _REGISTRY.register


class Schedule:
    """Base class: ``__call__(step) -> learning rate``.

    A subclass sets its hyper-parameters as attributes in ``__init__`` (they
    are its saved config) and implements ``__call__``; optimizers call it
    with the number of updates made so far.

    Examples
    --------
    >>> from nnzero.schedules import Schedule
    >>> class Halving(Schedule):
    ...     def __init__(self, lr0):
    ...         self.lr0 = lr0
    ...     def __call__(self, step):
    ...         return self.lr0 / 2 ** step
    >>> [Halving(1.0)(step) for step in range(3)]
    [1.0, 0.5, 0.25]
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.registered_name, **vars(self)}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


@register("step_decay")
class StepDecay(Schedule):
    """``lr0 * gamma ** (step // step_size)`` — PyTorch's ``StepLR``.

    Parameters
    ----------
    initial_learning_rate : float
        ``lr0``, the rate at step 0.
    step_size : int
        Steps between two drops.
    gamma : float, default 0.1
        Factor applied at each drop.

    Examples
    --------
    >>> from nnzero.schedules import StepDecay
    >>> schedule = StepDecay(0.1, step_size=10, gamma=0.5)
    >>> schedule(0), schedule(9), schedule(10), schedule(25)
    (0.1, 0.1, 0.05, 0.025)
    """

    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.step_size = check_int(step_size, "step_size", low=1)
        self.gamma = check_positive(gamma, "gamma")

    def __call__(self, step):
        return self.initial_learning_rate * self.gamma ** (step // self.step_size)


@register("exponential_decay")
class ExponentialDecay(Schedule):
    """``lr0 * decay_rate ** (step / decay_steps)``; with ``staircase`` the
    exponent is floored, so the rate drops in steps.

    Parameters
    ----------
    initial_learning_rate : float
        ``lr0``, the rate at step 0.
    decay_steps : int
        Steps over which the rate is multiplied by ``decay_rate`` once.
    decay_rate : float
        The factor per ``decay_steps``.
    staircase : bool, default False
        Floor the exponent.

    Examples
    --------
    >>> from nnzero.schedules import ExponentialDecay
    >>> schedule = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    >>> round(schedule(100), 6), round(schedule(50), 6)
    (0.05, 0.070711)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
    ):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_int(decay_steps, "decay_steps", low=1)
        self.decay_rate = check_positive(decay_rate, "decay_rate")
        self.staircase = check_bool(staircase, "staircase")

    def __call__(self, step):
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate**exponent


@register("inverse_time_decay")
class InverseTimeDecay(Schedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` — the annealed rate of
    tutorial 002's exercise.

    Parameters
    ----------
    initial_learning_rate : float
        ``lr0``, the rate at step 0.
    decay_steps : int
        The unit of ``step`` in the formula.
    decay_rate : float
        How fast the rate falls (0 keeps it constant).
    staircase : bool, default False
        Floor ``step / decay_steps``.

    Examples
    --------
    >>> from nnzero.schedules import InverseTimeDecay
    >>> schedule = InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)
    >>> schedule(0), schedule(10), schedule(30)
    (0.1, 0.05, 0.025)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
    ):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_int(decay_steps, "decay_steps", low=1)
        self.decay_rate = check_number(decay_rate, "decay_rate", low=0.0)
        self.staircase = check_bool(staircase, "staircase")

    def __call__(self, step):
        t = step / self.decay_steps
        if self.staircase:
            t = math.floor(t)
        return self.initial_learning_rate / (1.0 + self.decay_rate * t)


@register("cosine_decay")
class CosineDecay(Schedule):
    """Cosine annealing (Loshchilov & Hutter, 2017) from ``lr0`` down to
    ``alpha * lr0`` over ``decay_steps``, after an optional linear warm-up;
    constant afterwards. Matches PyTorch's ``CosineAnnealingLR`` with
    ``eta_min = alpha * lr0`` over its first half-period.

    Parameters
    ----------
    initial_learning_rate : float
        ``lr0``, the rate after the warm-up.
    decay_steps : int
        Steps from ``lr0`` down to ``alpha * lr0`` (after the warm-up).
    alpha : float, default 0
        The final rate as a share of ``lr0``, in [0, 1].
    warmup_steps : int, default 0
        Steps of linear warm-up from ``lr0 / warmup_steps`` to ``lr0``.

    Notes
    -----
    After the warm-up, at ``t = min(step - warmup_steps, decay_steps) /
    decay_steps``::

        lr = lr0 * (alpha + (1 - alpha) * (1 + cos(pi * t)) / 2)

    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm
    Restarts", ICLR 2017.

    Examples
    --------
    >>> from nnzero.schedules import CosineDecay
    >>> schedule = CosineDecay(0.1, decay_steps=100)
    >>> schedule(0), round(schedule(50), 6), schedule(100), schedule(200)
    (0.1, 0.05, 0.0, 0.0)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        warmup_steps: int = 0,
    ):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = check_int(decay_steps, "decay_steps", low=1)
        self.alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
        self.warmup_steps = check_int(warmup_steps, "warmup_steps", low=0)

    def __call__(self, step):
        lr0 = self.initial_learning_rate
        if step < self.warmup_steps:
            return lr0 * (step + 1) / self.warmup_steps
        t = min(step - self.warmup_steps, self.decay_steps) / self.decay_steps
        return lr0 * (self.alpha + (1.0 - self.alpha) * 0.5 * (1.0 + math.cos(math.pi * t)))


def get(identifier, argument: str = "learning_rate"):
    """Resolve a config dict or callable to a schedule.

    Parameters
    ----------
    identifier : dict, Schedule or callable
        A config as ``get_config`` returns it, a schedule, or a function of
        the step number.
    argument : str, default "learning_rate"
        The argument's name in error messages.

    Returns
    -------
    Schedule or callable

    Examples
    --------
    >>> get({"name": "step_decay", "initial_learning_rate": 0.1, "step_size": 5})
    StepDecay(initial_learning_rate=0.1, step_size=5, gamma=0.1)
    """
    return _REGISTRY.get(identifier, argument)
