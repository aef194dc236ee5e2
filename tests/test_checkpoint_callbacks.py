"""Callbacks' state in checkpoints: a run with EarlyStopping (or a
ModelCheckpoint saving the best only) interrupted anywhere resumes to the
same stopped epoch, history and weights, bit for bit; a checkpoint written
with other stateful callbacks is refused before any training.

Every crash happens at a known batch (a callback raises); nothing waits on a
clock."""

import signal

import numpy as np
import pytest

import nnzero as nz
from checkpoint_helpers import (
    CrashAt,
    CrashError,
    assert_same_run,
    checkpoint_state,
    fit,
    make_model,
)
from nnzero.cli import main
from nnzero.errors import InvalidArgumentError
from nnzero.model.checkpoint import CHECKPOINT_FILE

EPOCHS = 10  # the run below stops after 6 epochs (7 batches each), best at the 3rd


def stopper(restore):
    return nz.callbacks.EarlyStopping(monitor="loss", patience=2, min_delta=0.01,
                                      restore_best_weights=restore)


_STRAIGHT = {}


def straight(restore):
    if restore not in _STRAIGHT:
        model = make_model()
        history = fit(model, callbacks=[stopper(restore)], epochs=EPOCHS)
        _STRAIGHT[restore] = model, history
    return _STRAIGHT[restore]


def test_the_reference_run_stops_early():
    model, history = straight(True)
    assert len(history.epoch) == 6 and history.stopped_reason.startswith("early stopping")


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize("step", [5, 17, 21, 22, 30, 36, 42])
def test_resume_with_early_stopping_is_bit_identical(tmp_path, restore, step):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[stopper(restore), CrashAt(step)], epochs=EPOCHS)
    model = make_model()
    history = fit(model, tmp_path, callbacks=[stopper(restore)], epochs=EPOCHS)
    reference, reference_history = straight(restore)
    assert_same_run(model, reference, history, reference_history)
    assert history.stopped_reason == reference_history.stopped_reason


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize("step", [17, 30])
def test_epoch_checkpoints_only_resume_the_same(tmp_path, restore, step):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[stopper(restore), CrashAt(step)], epochs=EPOCHS,
            checkpoint_every=None)
    model = make_model()
    history = fit(model, tmp_path, callbacks=[stopper(restore)], epochs=EPOCHS,
                  checkpoint_every=None)
    assert_same_run(model, straight(restore)[0], history, straight(restore)[1])


def test_a_finished_run_ends_with_the_best_weights_again(tmp_path):
    fit(make_model(), tmp_path, callbacks=[stopper(True)], epochs=EPOCHS)
    state = checkpoint_state(tmp_path)
    assert [(e["index"], e["class"]) for e in state["callbacks"]] == [(0, "EarlyStopping")]
    assert state["callbacks"][0]["state"]["best_epoch"] == 2
    model = make_model()
    history = fit(model, tmp_path, callbacks=[stopper(True)], epochs=EPOCHS)
    assert_same_run(model, straight(True)[0], history, straight(True)[1])


def test_best_weights_are_tensors_in_the_model_dtype(tmp_path):
    from safetensors import safe_open

    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[stopper(True), CrashAt(17)], epochs=EPOCHS)
    with safe_open(str(tmp_path / CHECKPOINT_FILE), framework="numpy") as f:
        names = sorted(k for k in f.keys() if k.startswith("callbacks."))
        assert names == [f"callbacks.0.best_weights.{k}" for k in range(4)]
        assert all(f.get_tensor(k).dtype == np.float32 for k in names)


def _interrupted(tmp_path, callbacks):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[*callbacks, CrashAt(17)], epochs=EPOCHS)
    return (tmp_path / CHECKPOINT_FILE).read_bytes()


@pytest.mark.parametrize(
    ("first", "then", "words"),
    [
        ([stopper(True)], [], r"callback 1 was EarlyStopping there, and this run has only 0"),
        ([stopper(True)], [nz.callbacks.ModelCheckpoint("m.nnz", save_best_only=True)],
         "callback 1 was EarlyStopping there, ModelCheckpoint now"),
        ([stopper(True)], [nz.callbacks.History()],
         "callback 1 was EarlyStopping there, History now"),
        ([], [stopper(True)], r"no state for callback 1 \(EarlyStopping\)"),
    ],
)
def test_other_stateful_callbacks_are_refused(tmp_path, first, then, words):
    before = _interrupted(tmp_path, first)
    model = make_model()
    with pytest.raises(InvalidArgumentError, match=words):
        fit(model, tmp_path, callbacks=then, epochs=EPOCHS)
    assert model.optimizer.iterations == 0  # nothing trained
    assert (tmp_path / CHECKPOINT_FILE).read_bytes() == before  # still resumable


def test_a_stateful_callback_that_keeps_none_now_is_refused(tmp_path):
    save = tmp_path / "best.nnz"
    _interrupted(tmp_path, [nz.callbacks.ModelCheckpoint(save, monitor="loss",
                                                         save_best_only=True)])
    with pytest.raises(InvalidArgumentError, match="kept a state there and keeps none now"):
        fit(make_model(), tmp_path, epochs=EPOCHS,
            callbacks=[nz.callbacks.ModelCheckpoint(save, monitor="loss")])


def test_model_checkpoint_best_only_resumes_its_best(tmp_path):
    def save():
        return nz.callbacks.ModelCheckpoint(tmp_path / "best.nnz", monitor="loss",
                                            save_best_only=True)

    directory = tmp_path / "ckpt"
    with pytest.raises(CrashError):
        fit(make_model(), directory, callbacks=[save(), CrashAt(24)], epochs=EPOCHS)
    resumed = save()
    fit(make_model(), directory, callbacks=[resumed], epochs=EPOCHS)
    reference = nz.callbacks.ModelCheckpoint(tmp_path / "ref.nnz", monitor="loss",
                                             save_best_only=True)
    fit(make_model(), callbacks=[reference], epochs=EPOCHS)
    assert resumed.best == reference.best


def test_early_stopping_state_round_trips():
    model, _ = straight(True)
    stop = stopper(True)
    stop.set_model(model)
    stop.on_train_begin()
    stop.on_epoch_end(0, {"loss": 1.0})
    stop.on_epoch_end(1, {"loss": 1.0})
    state = stop.get_state()
    assert state["best"] == 1.0 and state["wait"] == 1 and state["best_epoch"] == 0
    other = stopper(True)
    other.set_state(state)
    again = other.get_state()
    weights = again.pop("best_weights")
    assert again == {k: v for k, v in state.items() if k != "best_weights"}
    for a, b in zip(weights, state["best_weights"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert stopper(False).get_state()["best_weights"] is None


def test_model_checkpoint_state_round_trips():
    save = nz.callbacks.ModelCheckpoint("m.nnz", save_best_only=True)
    save.set_state({"best": 0.25})
    assert save.get_state() == {"best": 0.25}
    assert nz.callbacks.ModelCheckpoint("m.nnz").get_state() is None
    assert nz.callbacks.Callback().get_state() is None


# -- the command line ----------------------------------------------------------------------

ARGS = ["train", "--dataset", "moons", "--samples", "240", "--layers", "8", "--epochs", "12",
        "--batch-size", "16", "--learning-rate", "0.3", "--early-stopping", "1", "--no-plots",
        "--quiet"]
# 11 batches an epoch; the run stops after epoch 5, its best at epoch 3.



@pytest.mark.usefixtures("python_sigint_handler")
@pytest.mark.parametrize(("step", "every"), [(30, None), (40, "5"), (52, "5")])
def test_cli_early_stopping_resumes_to_the_same_model_file(tmp_path, monkeypatch, step, every):
    import os

    from test_cli_resume import _At, _with_callback

    straight_out = tmp_path / "straight"
    assert main([*ARGS, "--out", straight_out]) == 0
    out = tmp_path / "run"
    extra = ["--checkpoint-every", every] if every else []
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(step, lambda: os.kill(os.getpid(), signal.SIGINT)))
        assert main([*ARGS, "--out", out, *extra]) == 130
    assert main([*ARGS, "--out", out, "--resume", *extra]) == 0
    assert (out / "model.nnz").read_bytes() == (straight_out / "model.nnz").read_bytes()
