"""Shared pieces of the checkpoint tests: a small model and data set, a
callback that crashes at a chosen step, and comparisons with the run that
was never interrupted."""

import functools
import json

import numpy as np
from safetensors import safe_open

import nnzero as nz
from nnzero.model.checkpoint import CHECKPOINT_FILE

EPOCHS, BATCH, EVERY = 4, 8, 3  # 50 training samples: 7 batches per epoch


def make_model(optimizer="adam", seed=3):
    model = nz.Sequential(
        [
            nz.layers.Dense(16, activation="relu"),
            nz.layers.Dropout(0.3),
            nz.layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def make_data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 5)), rng.integers(0, 3, 60)


def fit(model, directory=None, callbacks=None, epochs=EPOCHS, **options):
    x, y = make_data()
    if directory is not None:
        options.setdefault("checkpoint_every", EVERY)
    options.setdefault("verbose", 0)
    return model.fit(x, y, epochs=epochs, batch_size=BATCH, validation_split=1 / 6,
                     callbacks=callbacks, checkpoint_dir=directory, **options)


class CrashError(Exception):
    pass


class CrashAt(nz.callbacks.Callback):
    """Dies after ``step`` batches, before that batch's checkpoint is written."""

    def __init__(self, step):
        self.step, self.seen = step, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            raise CrashError


def without_times(history):
    return {k: v for k, v in history.history.items() if k != "epoch_time"}


def assert_same_run(a, b, history_a, history_b):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert without_times(history_a) == without_times(history_b)
    assert history_a.epoch == history_b.epoch
    assert a.optimizer.iterations == b.optimizer.iterations


def checkpoint_state(directory):
    with safe_open(str(directory / CHECKPOINT_FILE), framework="numpy") as f:
        return json.loads(f.metadata()["checkpoint"])


@functools.cache
def reference_run():
    """The same run, never interrupted: (model, history), computed once."""
    model = make_model()
    history = fit(model)
    return model, history
