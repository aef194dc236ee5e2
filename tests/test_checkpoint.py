"""Crash-safe training: checkpoints, resumption and failing writes.

The reference for every resumed run is the same run never interrupted:
final weights must be bit-identical, and so must the history. Killed and
interrupted processes and damaged checkpoints: test_checkpoint_interrupts.py.
"""

import errno
import os

import numpy as np
import pytest

import nnzero as nz
from checkpoint_helpers import (
    BATCH,
    EPOCHS,
    EVERY,
    CrashAt,
    CrashError,
    assert_same_run,
    checkpoint_state,
    fit,
    make_data,
    make_model,
    reference_run,
)
from nnzero.model.checkpoint import CHECKPOINT_FILE


@pytest.fixture
def straight():
    return reference_run()


@pytest.mark.parametrize("step", [1, 3, 5, 7, 8, 13, 14, 20, 27])
def test_resume_after_a_crash_is_bit_identical(tmp_path, straight, step):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(step)])
    model = make_model()
    history = fit(model, tmp_path)
    assert_same_run(model, straight[0], history, straight[1])


def test_resume_twice_and_with_sgd_momentum_and_a_schedule(tmp_path):
    def optimizer():
        lr = nz.schedules.ExponentialDecay(0.05, decay_steps=5, decay_rate=0.5)
        return nz.optimizers.SGD(lr, momentum=0.9, nesterov=True)

    reference = make_model(optimizer())
    ref_history = fit(reference)
    for step in (4, 9):
        with pytest.raises(CrashError):
            fit(make_model(optimizer()), tmp_path, callbacks=[CrashAt(step)])
    model = make_model(optimizer())
    assert_same_run(model, reference, fit(model, tmp_path), ref_history)


def test_a_callback_changing_the_learning_rate_resumes_exactly(tmp_path):
    def halving():
        return nz.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)

    reference = make_model(nz.optimizers.SGD(0.1))
    ref_history = fit(reference, callbacks=[halving()])
    with pytest.raises(CrashError):
        fit(make_model(nz.optimizers.SGD(0.1)), tmp_path, callbacks=[halving(), CrashAt(12)])
    model = make_model(nz.optimizers.SGD(0.1))
    history = fit(model, tmp_path, callbacks=[halving()])
    assert_same_run(model, reference, history, ref_history)
    assert history.history["learning_rate"] == [0.05, 0.025, 0.0125, 0.00625]


def test_epoch_checkpoints_only_and_an_unbuilt_model(tmp_path, straight):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(17)], checkpoint_every=None)
    assert checkpoint_state(tmp_path)["epoch"] == 2
    model = make_model()
    assert not model.built
    assert_same_run(model, straight[0], fit(model, tmp_path, checkpoint_every=None),
                    straight[1])


def test_checkpoint_is_a_model_file(tmp_path, straight):
    fit(make_model(), tmp_path)
    loaded = nz.load_model(tmp_path / CHECKPOINT_FILE)
    for a, b in zip(loaded.get_weights(), straight[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_finished_run_is_returned_as_it_was_and_can_be_extended(tmp_path, straight):
    fit(make_model(), tmp_path)
    again = make_model()
    history = fit(again, tmp_path)
    assert_same_run(again, straight[0], history, straight[1])
    assert history.history["epoch_time"] == checkpoint_state(tmp_path)["history"]["epoch_time"]

    longer = make_model()
    history = fit(longer, tmp_path, epochs=EPOCHS + 2)
    reference = make_model()
    assert_same_run(longer, reference, history, fit(reference, epochs=EPOCHS + 2))


def test_fewer_epochs_than_the_checkpoint_holds_is_refused(tmp_path):
    fit(make_model(), tmp_path)
    model = make_model()
    with pytest.raises(nz.InvalidArgumentError, match=r"trained 4 epochs.*epochs=2"):
        fit(model, tmp_path, epochs=2)
    assert not model.built


def test_a_checkpoint_inside_the_last_epoch_asked_for_is_refused(tmp_path):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(10)])  # checkpoint at epoch 2, batch 2
    with pytest.raises(nz.InvalidArgumentError,
                       match=r"trained 1 epochs and 2 batches of the next.*epochs >= 2"):
        fit(make_model(), tmp_path, epochs=1)


def test_a_run_stopped_early_stays_finished(tmp_path):
    def stopper():
        return nz.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)

    first = fit(make_model(), tmp_path, callbacks=[stopper()], epochs=10)
    assert len(first.epoch) == 2 and first.stopped_reason.startswith("early stopping")
    history = fit(make_model(), tmp_path, callbacks=[stopper()], epochs=10)
    assert history.epoch == first.epoch
    assert history.stopped_reason == first.stopped_reason


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"batch_size": 4}, r"batch_size changed \(8 there, 4 now\)"),
        ({"shuffle": False}, "shuffle changed"),
        ({"x": 1.0}, "data changed"),
        ({"seed": 4}, "model's layers or settings changed"),
        ({"optimizer": "sgd"}, "the optimizer changed"),
    ],
)
def test_a_checkpoint_of_another_run_is_refused(tmp_path, change, words):
    x, y = make_data()
    settings = {"epochs": 2, "batch_size": 8, "verbose": 0, "checkpoint_dir": tmp_path}
    make_model().fit(x, y, **settings)
    settings["batch_size"] = change.get("batch_size", 8)
    if "shuffle" in change:
        settings["shuffle"] = change["shuffle"]
    model = make_model(change.get("optimizer", "adam"), seed=change.get("seed", 3))
    with pytest.raises(nz.InvalidArgumentError, match=words + ".*delete the checkpoint"):
        model.fit(x + change.get("x", 0.0), y, **settings)
    assert not model.built


def test_leftover_temporary_files_are_removed(tmp_path):
    fit(make_model(), tmp_path)
    torn = tmp_path / f".{CHECKPOINT_FILE}.0123456789ab.tmp"
    torn.write_bytes(b"half a checkpoint")
    fit(make_model(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKPOINT_FILE]


def test_directory_is_created(tmp_path):
    fit(make_model(), tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b" / CHECKPOINT_FILE).is_file()


def test_directory_that_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(nz.ModelFileError, match="Cannot create checkpoint_dir"):
        fit(make_model(), tmp_path / "file" / "sub")


@pytest.mark.parametrize(
    ("options", "exc", "match"),
    [
        ({"checkpoint_every": 5}, nz.InvalidArgumentError, "needs a `checkpoint_dir`"),
        ({"checkpoint_dir": 3}, nz.InvalidTypeError, "checkpoint_dir"),
        ({"checkpoint_dir": "d", "checkpoint_every": 0}, nz.InvalidArgumentError,
         "checkpoint_every"),
        ({"checkpoint_dir": "d", "checkpoint_every": 2.5}, nz.InvalidTypeError,
         "checkpoint_every"),
    ],
)
def test_bad_checkpoint_arguments(tmp_path, monkeypatch, options, exc, match):
    monkeypatch.chdir(tmp_path)
    x, y = make_data()
    with pytest.raises(exc, match=match):
        make_model().fit(x, y, verbose=0, **options)
    assert list(tmp_path.iterdir()) == []


def test_resume_message_when_verbose(tmp_path, capsys):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(10)])
    fit(make_model(), tmp_path, verbose=1)
    assert f"Resuming from {tmp_path / CHECKPOINT_FILE} at epoch 2, batch 3." in (
        capsys.readouterr().out
    )


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    x = np.random.default_rng(1).normal(size=(64, 4)) * 100
    y = x.sum(axis=1, keepdims=True) ** 2
    model = nz.Sequential([nz.layers.Dense(8, activation="relu"), nz.layers.Dense(1)])
    model.compile(optimizer=nz.optimizers.SGD(1e3), loss="mse")
    with pytest.warns(nz.NonFiniteLossWarning):
        history = model.fit(x, y, epochs=5, batch_size=64, verbose=0, checkpoint_dir=tmp_path)
    assert len(history.epoch) == checkpoint_state(tmp_path)["epoch"]
    for weight in nz.load_model(tmp_path / CHECKPOINT_FILE).get_weights():
        assert np.isfinite(weight).all()


# -- writes that fail ------------------------------------------------------------------


def _failing(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EIO])
@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_failed_checkpoint_write_keeps_the_previous_one(tmp_path, monkeypatch, straight, code,
                                                        where):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(8)])
    before = (tmp_path / CHECKPOINT_FILE).read_bytes()
    with monkeypatch.context() as patch:
        if where == "write":
            patch.setattr(os, "fdopen", _FailingFile.opener(code))
        else:
            patch.setattr(os, where, _failing(code))
        with pytest.raises(nz.ModelFileError, match=os.strerror(code) + ".*unchanged"):
            fit(make_model(), tmp_path)
    assert (tmp_path / CHECKPOINT_FILE).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKPOINT_FILE]
    model = make_model()
    assert_same_run(model, straight[0], fit(model, tmp_path), straight[1])


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_failed_model_save_keeps_the_previous_file(tmp_path, monkeypatch, straight, code):
    path = tmp_path / "model.nnz"
    straight[0].save(path)
    before = path.read_bytes()
    model = make_model()
    model.build((5,))
    monkeypatch.setattr(os, "fdopen", _FailingFile.opener(code))
    with pytest.raises(nz.ModelFileError, match=os.strerror(code)):
        model.save(path)
    assert path.read_bytes() == before


class _FailingFile:
    """A file whose writes fail half-way, like a disk filling up."""

    def __init__(self, real, code):
        self.real, self.code = real, code

    @classmethod
    def opener(cls, code):
        real_fdopen = os.fdopen

        def fdopen(fd, *args, **kwargs):
            return cls(real_fdopen(fd, *args, **kwargs), code)

        return fdopen

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        raise OSError(self.code, os.strerror(self.code))

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_batch_norm_running_estimates_resume_exactly(tmp_path):
    def model():
        m = nz.Sequential([nz.layers.Dense(8, use_bias=False), nz.layers.BatchNormalization(),
                           nz.layers.Activation("relu"), nz.layers.Dense(3, activation="softmax")],
                          seed=5)
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    reference = model()
    ref_history = fit(reference)
    with pytest.raises(CrashError):
        fit(model(), tmp_path, callbacks=[CrashAt(11)])
    resumed = model()
    assert_same_run(resumed, reference, fit(resumed, tmp_path), ref_history)
    for a, b in zip(resumed.layers[1].state, reference.layers[1].state, strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_from_a_memory_mapped_file_resumes_exactly(tmp_path, straight):
    x, y = make_data()
    path = tmp_path / "x.npy"
    np.save(path, x)
    mapped = np.load(path, mmap_mode="r")
    with pytest.raises(CrashError):
        make_model().fit(mapped, y, epochs=EPOCHS, batch_size=BATCH, validation_split=1 / 6,
                         verbose=0, checkpoint_dir=tmp_path / "c", checkpoint_every=EVERY,
                         callbacks=[CrashAt(16)])
    model = make_model()
    history = model.fit(mapped, y, epochs=EPOCHS, batch_size=BATCH, validation_split=1 / 6,
                        verbose=0, checkpoint_dir=tmp_path / "c", checkpoint_every=EVERY)
    assert_same_run(model, straight[0], history, straight[1])
