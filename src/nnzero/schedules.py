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
    """Base class: ``__call__(step) -> learning rate``."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.registered_name, **vars(self)}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


@register("step_decay")
class StepDecay(Schedule):
    """``lr0 * gamma ** (step // step_size)`` — PyTorch's ``StepLR``."""

    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1):
        self.initial_learning_rate = check_positive(initial_learning_rate, "initial_learning_rate")
        self.step_size = check_int(step_size, "step_size", low=1)
        self.gamma = check_positive(gamma, "gamma")

    def __call__(self, step):
        return self.initial_learning_rate * self.gamma ** (step // self.step_size)


@register("exponential_decay")
class ExponentialDecay(Schedule):
    """``lr0 * decay_rate ** (step / decay_steps)``; with ``staircase`` the
    exponent is floored, so the rate drops in steps."""

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
    tutorial 002's exercise."""

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
    ``eta_min = alpha * lr0`` over its first half-period."""

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

    >>> get({"name": "step_decay", "initial_learning_rate": 0.1, "step_size": 5})
    StepDecay(initial_learning_rate=0.1, step_size=5, gamma=0.1)
    """
    return _REGISTRY.get(identifier, argument)
