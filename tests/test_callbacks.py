"""Callbacks (``nnzero.model.callbacks``): early stopping, checkpoints, the
learning-rate scheduler, user callbacks, and their settings."""

from __future__ import annotations

import numpy as np
import pytest

import nnzero as nz
from nnzero import InvalidArgumentError, InvalidTypeError
from refusals import NAN, classifier, data, raises
from small_models import assert_weights_equal, blobs, mlp, weights_differ

# -- settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: nz.callbacks.EarlyStopping(patience=-1), InvalidArgumentError, r"`patience`"),
        (lambda: nz.callbacks.EarlyStopping(patience=1.5), InvalidTypeError, r"`patience`"),
        (lambda: nz.callbacks.EarlyStopping(mode="up"), InvalidArgumentError, r"`mode`"),
        (lambda: nz.callbacks.EarlyStopping(monitor=3), InvalidTypeError, r"`monitor`"),
        (lambda: nz.callbacks.EarlyStopping(min_delta=NAN), InvalidArgumentError, r"`min_delta`"),
        (
            lambda: nz.callbacks.ModelCheckpoint("m.nnz", mode="best"),
            InvalidArgumentError,
            r"`mode`",
        ),
        (lambda: nz.callbacks.LearningRateScheduler(0.1), InvalidTypeError, r"`schedule`"),
    ],
)
def test_callback_settings(call, exc, match):
    with raises(exc, match):
        call()


@pytest.mark.parametrize(
    "rate, exc",
    [(0.0, InvalidArgumentError), (NAN, InvalidArgumentError), ("fast", InvalidTypeError)],
)
def test_learning_rate_scheduler_returning_a_bad_rate(rate, exc):
    model = classifier()
    callback = nz.callbacks.LearningRateScheduler(lambda epoch, lr: rate)
    with raises(exc, r"LearningRateScheduler's schedule must return"):
        model.fit(*data(), epochs=2, callbacks=[callback], verbose=0)
    # The rate is checked at the start of the epoch, before any update.
    assert model.optimizer.iterations == 0


# -- early stopping and checkpoints --------------------------------------------


class Recorder(nz.callbacks.Callback):
    """Keeps the weights at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def test_early_stopping_restores_the_best_weights():
    x, y = blobs()
    recorder = Recorder()
    # Loss falls every epoch, so in "max" mode epoch 0 stays the best.
    stop = nz.callbacks.EarlyStopping(
        monitor="loss", mode="max", patience=2, restore_best_weights=True
    )
    model = mlp(optimizer=nz.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=20, callbacks=[recorder, stop], verbose=0)
    assert stop.best_epoch == 0
    assert len(history.epoch) == 4 == stop.stopped_epoch + 1
    assert "early stopping" in history.stopped_reason
    assert weights_differ(recorder.weights[-1], recorder.weights[0])
    assert_weights_equal(model.get_weights(), recorder.weights[0])


def test_early_stopping_on_val_loss_keeps_best_epoch():
    x, y = blobs(40)
    xv, yv = blobs(40, seed=9)
    recorder = Recorder()
    stop = nz.callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    model = mlp(optimizer=nz.optimizers.Adam(0.2))
    history = model.fit(
        x, y, epochs=40, validation_data=(xv, yv), callbacks=[recorder, stop], verbose=0
    )
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert stop.best_epoch == best
    assert_weights_equal(model.get_weights(), recorder.weights[best])
    if len(val) < 40:
        assert len(val) == best + 3


def test_early_stopping_without_restore_keeps_last_weights():
    recorder = Recorder()
    stop = nz.callbacks.EarlyStopping(monitor="loss", mode="max", patience=0)
    model = mlp()
    model.fit(*blobs(), epochs=10, callbacks=[recorder, stop], verbose=0)
    assert len(recorder.weights) == 2
    assert_weights_equal(model.get_weights(), recorder.weights[-1])


def test_model_checkpoint_writes_a_file_per_epoch(tmp_path):
    recorder = Recorder()
    ckpt = nz.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}.nnz"))
    model = mlp()
    history = model.fit(*blobs(), epochs=3, callbacks=[recorder, ckpt], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [
        f"ckpt-{e + 1:02d}-{loss:.3f}.nnz" for e, loss in enumerate(history.history["loss"])
    ]
    assert names == expected
    for epoch, name in enumerate(names):
        assert_weights_equal(nz.load_model(tmp_path / name).get_weights(), recorder.weights[epoch])


def test_model_checkpoint_save_best_only(tmp_path):
    # In "max" mode on a falling loss only the first epoch is an improvement.
    ckpt = nz.callbacks.ModelCheckpoint(
        str(tmp_path / "best-{epoch}.nnz"), monitor="loss", mode="max", save_best_only=True
    )
    mlp().fit(*blobs(), epochs=3, callbacks=[ckpt], verbose=0)
    assert [p.name for p in tmp_path.iterdir()] == ["best-1.nnz"]


def test_model_checkpoint_save_best_only_on_val_loss(tmp_path):
    recorder = Recorder()
    ckpt = nz.callbacks.ModelCheckpoint(str(tmp_path / "best.nnz"), save_best_only=True)
    model = mlp(optimizer=nz.optimizers.Adam(0.2))
    history = model.fit(
        *blobs(40),
        epochs=8,
        validation_data=blobs(40, seed=9),
        callbacks=[recorder, ckpt],
        verbose=0,
    )
    best = int(np.argmin(history.history["val_loss"]))
    assert [p.name for p in tmp_path.iterdir()] == ["best.nnz"]
    assert_weights_equal(nz.load_model(tmp_path / "best.nnz").get_weights(), recorder.weights[best])


# -- learning-rate scheduler and user callbacks --------------------------------


def test_learning_rate_scheduler_sets_the_logged_rate():
    seen = []

    def schedule(epoch, lr):
        seen.append(lr)
        return 0.1 * 0.5**epoch

    callback = nz.callbacks.LearningRateScheduler(schedule)
    model = mlp(optimizer=nz.optimizers.SGD(0.3))
    history = model.fit(*blobs(), epochs=4, callbacks=[callback], verbose=0)
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]
    assert seen == [0.3, 0.1, 0.05, 0.025]
    assert model.optimizer.current_learning_rate() == 0.0125


def test_custom_callback_sees_every_hook_and_can_stop_training():
    calls = []

    class Spy(nz.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append("begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch {epoch}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"end {epoch} {sorted(logs)}")
            if epoch == 1:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            calls.append("done")

    history = mlp().fit(*blobs(), epochs=5, callbacks=[Spy()], verbose=0)
    keys = ["accuracy", "epoch_time", "learning_rate", "loss"]
    assert calls == ["begin", "epoch 0", f"end 0 {keys}", "epoch 1", f"end 1 {keys}", "done"]
    assert len(history.epoch) == 2
