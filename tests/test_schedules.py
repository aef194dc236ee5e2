"""Learning-rate schedules (``nnzero.schedules``): their documented values, their
config round trip, and a schedule given as an optimizer's rate."""

from __future__ import annotations

import pytest

import nnzero as nz
from small_models import blobs, mlp


@pytest.mark.parametrize(
    "schedule, steps, expected",
    [
        (
            nz.schedules.StepDecay(0.1, step_size=10, gamma=0.5),
            [0, 9, 10, 25],
            [0.1, 0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
            [0, 5, 10, 20],
            [0.1, 0.1 * 0.5**0.5, 0.05, 0.025],
        ),
        (
            nz.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
            [0, 9, 15, 20],
            [0.1, 0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0),
            [0, 10, 30],
            [0.1, 0.05, 0.025],
        ),
        (
            nz.schedules.InverseTimeDecay(0.1, 10, 1.0, staircase=True),
            [9, 10, 19],
            [0.1, 0.05, 0.05],
        ),
        (
            nz.schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1),
            [0, 50, 100, 500],
            [0.1, 0.055, 0.01, 0.01],
        ),
        (
            nz.schedules.CosineDecay(0.1, decay_steps=100, warmup_steps=10),
            [0, 4, 9, 10, 60],
            [0.01, 0.05, 0.1, 0.1, 0.05],
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nz.schedules.Schedule) else None,
)
def test_schedules_return_the_documented_values(schedule, steps, expected):
    assert [schedule(s) for s in steps] == pytest.approx(expected, rel=1e-12)


def test_schedule_config_round_trip():
    schedule = nz.schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_steps=5)
    again = nz.schedules.get(schedule.get_config())
    assert [again(s) for s in range(120)] == [schedule(s) for s in range(120)]


def test_schedule_object_as_learning_rate_is_logged_per_epoch():
    # 60 samples in batches of 20: 3 steps per epoch; the rate halves every 3 steps.
    schedule = nz.schedules.StepDecay(0.1, step_size=3, gamma=0.5)
    model = mlp(optimizer=nz.optimizers.SGD(schedule))
    history = model.fit(*blobs(), epochs=3, batch_size=20, verbose=0)
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
