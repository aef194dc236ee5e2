"""What a run records while it trains survives a resume: the batch records of
``fit(log_every=N)`` (``history.batches``) and :class:`LayerStats`'s rows are
those of the run never interrupted, with the same update numbers, bit for bit.

Every crash happens at a known batch (a callback raises); nothing waits on a
clock. The helpers' run has 7 batches an epoch, 4 epochs and a checkpoint
every 3 batches.
"""

import os
import signal

import numpy as np
import pytest

import nnzero as nz
from checkpoint_helpers import CrashAt, CrashError, fit, make_model
from nnzero.cli import main
from nnzero.errors import ModelFileError
from nnzero.model.checkpoint import CHECKPOINT_FILE
from test_checkpoint_interrupts import rewrite_state

LOG_EVERY, STATS_EVERY = 2, 3


def recorded_run(directory=None, callbacks=(), log_every=LOG_EVERY, **options):
    stats = nz.callbacks.LayerStats(every=STATS_EVERY)
    history = fit(make_model(), directory, callbacks=[stats, *callbacks],
                  log_every=log_every, **options)
    return history, stats


@pytest.fixture(scope="module")
def straight():
    return recorded_run()


def assert_same_records(run, reference):
    (history, stats), (ref_history, ref_stats) = run, reference
    assert history.batches == ref_history.batches
    assert stats.updates == ref_stats.updates and stats.layers == ref_stats.layers
    for name, values in ref_stats.stats.items():
        np.testing.assert_array_equal(stats.stats[name], values)


def crashed(directory, step, **options):
    with pytest.raises(CrashError):
        recorded_run(directory, callbacks=[CrashAt(step)], **options)


@pytest.mark.parametrize("step", [2, 4, 5, 7, 8, 13, 16, 22, 27])
def test_resumed_records_are_those_of_the_straight_run(tmp_path, straight, step):
    crashed(tmp_path, step)
    assert_same_records(recorded_run(tmp_path), straight)


def test_records_survive_two_crashes(tmp_path, straight):
    for step in (5, 11):
        crashed(tmp_path, step)
    assert_same_records(recorded_run(tmp_path), straight)


def test_epoch_checkpoints_keep_the_records_too(tmp_path, straight):
    crashed(tmp_path, 17, checkpoint_every=None)  # resumes at epoch 3's start
    assert_same_records(recorded_run(tmp_path, checkpoint_every=None), straight)


def test_log_every_added_on_resume_counts_from_the_checkpoint(tmp_path, straight):
    crashed(tmp_path, 10, log_every=None)  # the checkpoint after 9 batches
    history, _ = recorded_run(tmp_path)
    updates = straight[0].batches["update"]
    assert history.batches["update"] == [u for u in updates if u > 9]
    # The record at update 10 covers batch 10 alone (batch 9 was trained
    # unrecorded); from the next on, each covers the same batches.
    losses = history.batches["loss"]
    assert losses[1:] == straight[0].batches["loss"][-len(losses) + 1:]


def test_log_every_dropped_on_resume_is_not_refused(tmp_path, straight):
    crashed(tmp_path, 10)
    history, stats = recorded_run(tmp_path, log_every=None)
    assert history.batches == {}
    assert stats.updates == straight[1].updates


def test_another_stats_interval_on_resume_keeps_the_rows_so_far(tmp_path, straight):
    crashed(tmp_path, 8)  # the first epoch's checkpoint: rows for updates 0, 3 and 6
    stats = nz.callbacks.LayerStats(every=4)
    fit(make_model(), tmp_path, callbacks=[stats])
    assert stats.updates == [0, 3, 6, 8, 12, 16, 20, 24]
    np.testing.assert_array_equal(stats.stats["grad_norm"][:3],
                                  straight[1].stats["grad_norm"][:3])
    # Rows after the change measure one update each, as the straight run's do.
    assert np.all(np.isfinite(stats.stats["update_ratio"]))


def _set_batch_log(value):
    def change(state, metadata, tensors):
        state["batch_log"] = value

    return change


def _edit_batch_log(key, value):
    def change(state, metadata, tensors):
        state["batch_log"][key] = value

    return change


def _edit_stats(key, value):
    def change(state, metadata, tensors):
        state["callbacks"][0]["state"][key] = value

    return change


def _shrink_kept_kernel(state, metadata, tensors):
    # A whole file whose kept kernel has another shape than the layer's.
    state["callbacks"][0]["arrays"]["before"][0] = [2, 2]
    tensors["callbacks.0.before.0"] = np.zeros((2, 2), np.float32)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_set_batch_log([1, 2]), "invalid batch_log entry"),
        (_set_batch_log({"count": 3}), "BatchLog's state: KeyError"),
        (_edit_batch_log("count", -1), "BatchLog's state: ValueError: invalid batch records"),
        (_edit_batch_log("sums", {"loss": "low"}), "invalid batch records"),
        (_edit_batch_log("records", {"loss": [0.5, True]}), "invalid batch records"),
        (_edit_stats("updates", [0, 99]), "LayerStats's state: ValueError: the recorded"),
        (_edit_stats("rows", {"act_mean": []}), "do not fit this model's 2 Dense layer"),
        (_edit_stats("count", True), "LayerStats's state: ValueError"),
        (_shrink_kept_kernel, "kept kernels do not have the Dense layers' shapes"),
    ],
)
def test_damaged_records_are_refused_before_any_training(tmp_path, change, words):
    crashed(tmp_path, 12)  # after 9 batches: LayerStats keeps the kernels for update 9
    rewrite_state(tmp_path, change)
    before = (tmp_path / CHECKPOINT_FILE).read_bytes()
    model = make_model()
    stats = nz.callbacks.LayerStats(every=STATS_EVERY)
    with pytest.raises(ModelFileError, match=words):
        fit(model, tmp_path, callbacks=[stats], log_every=LOG_EVERY)
    assert model.optimizer.iterations == 0 and stats.updates == []
    assert (tmp_path / CHECKPOINT_FILE).read_bytes() == before


def test_checkpoints_from_before_batch_records_still_resume(tmp_path, straight):
    crashed(tmp_path, 12, log_every=None)

    def older(state, metadata, tensors):
        del state["batch_log"]

    rewrite_state(tmp_path, older)
    history, stats = recorded_run(tmp_path, log_every=None)
    assert stats.updates == straight[1].updates


# -- the command line ----------------------------------------------------------------------

ARGS = ["train", "--dataset", "moons", "--samples", "240", "--layers", "8", "--epochs", "3",
        "--batch-size", "16", "--log-every", "4", "--layer-stats", "5", "--no-plots", "--quiet"]



@pytest.mark.usefixtures("python_sigint_handler")
@pytest.mark.parametrize(("step", "every"), [(14, None), (19, "5")])
def test_cli_resume_writes_the_records_of_the_straight_run(tmp_path, monkeypatch, step, every):
    from test_cli_resume import _At, _with_callback

    straight_out = tmp_path / "straight"
    extra = ["--checkpoint-every", every] if every else []
    with monkeypatch.context() as patch:  # the same callbacks, in the same places
        _with_callback(patch, _At(10**9, lambda: None))
        assert main([*ARGS, "--out", straight_out, *extra]) == 0
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(step, lambda: os.kill(os.getpid(), signal.SIGINT)))
        assert main([*ARGS, "--out", out, *extra]) == 130
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(10**9, lambda: None))
        assert main([*ARGS, "--out", out, "--resume", *extra]) == 0
    for name in ("batch_history.json", "layer_stats.json", "model.nnz"):
        assert (out / name).read_bytes() == (straight_out / name).read_bytes(), name
