"""Crash-safe training when the process is killed (SIGKILL) or interrupted
(SIGINT, Ctrl-C), and checkpoints that are damaged or not checkpoints.

Every signal arrives at a known batch, whatever the machine's load: a
callback sends SIGINT to its own process at batch k, and SIGKILL is sent
once the child has said, from its callback at batch k, that it is waiting
for it. Nothing waits on a clock."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import safetensors.numpy
from safetensors import safe_open

import nnzero as nz
from checkpoint_helpers import (
    CrashAt,
    CrashError,
    assert_same_run,
    checkpoint_state,
    fit,
    make_model,
    reference_run,
)
from nnzero.model.checkpoint import CHECKPOINT_FILE


@pytest.fixture
def straight():
    return reference_run()

# -- killed and interrupted processes ------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    import nnzero as nz
    from checkpoint_helpers import fit, make_model

    # Ctrl-C at a terminal finds Python's own handler; a test run started in
    # the background (`make test &`, some CI runners) has SIGINT ignored, and
    # children inherit that, so without this line the signal would be lost.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    class Stop(nz.callbacks.Callback):
        seen = 0
        def on_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == {step}:
                if {signal_name!r} == "SIGKILL":
                    print("ready", flush=True)
                    sys.stdin.readline()  # blocks until the parent kills us, mid-epoch
                else:
                    # Delivered to this thread before os.kill returns: the
                    # handler runs inside batch {step}'s callbacks.
                    os.kill(os.getpid(), signal.{signal_name})

    history = fit(make_model(), {directory!r}, callbacks=[Stop()], verbose=1)
    print("returned", len(history.epoch), history.interrupted, flush=True)
    print(history.stopped_reason, flush=True)
    """
)


def run_child(tmp_path, step, signal_name):
    script = tmp_path / "child.py"
    directory = tmp_path / "ckpt"
    script.write_text(CHILD.format(tests=os.path.dirname(__file__), step=step,
                                   signal_name=signal_name, directory=str(directory)))
    return subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), directory


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path, straight):
    child, directory = run_child(tmp_path, 12, "SIGKILL")
    try:
        lines = iter(child.stdout.readline, "")
        assert "ready\n" in lines, "the child ended before step 12"
    finally:
        child.kill()  # SIGKILL, while the child waits on its stdin inside batch 12
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    state = checkpoint_state(directory)
    assert (state["epoch"], state["batch"]) == (1, 2)  # step 9 of 7-batch epochs
    model = make_model()
    assert_same_run(model, straight[0], fit(model, directory), straight[1])


def test_sigint_finishes_the_batch_writes_a_checkpoint_and_returns(tmp_path, straight):
    child, directory = run_child(tmp_path, 10, "SIGINT")
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    lines = out.splitlines()
    assert lines[-2] == "returned 1 True"
    assert "interrupted (Ctrl-C) after epoch 2, batch 3" in lines[-1]
    assert "call fit again with the same checkpoint_dir" in lines[-1]
    assert "Stopped: interrupted" in out
    state = checkpoint_state(directory)
    assert (state["epoch"], state["batch"]) == (1, 3)
    model = make_model()
    assert_same_run(model, straight[0], fit(model, directory), straight[1])


class SendSigint(nz.callbacks.Callback):
    def __init__(self, step, times=1):
        self.step, self.times, self.seen = step, times, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)


def test_sigint_in_process_returns_history_and_restores_the_handler(tmp_path, straight,
                                                                    python_sigint_handler):
    history = fit(make_model(), tmp_path, callbacks=[SendSigint(7)])
    assert history.interrupted and len(history.epoch) == 1  # the last batch of epoch 1
    assert "after epoch 1;" in history.stopped_reason
    assert checkpoint_state(tmp_path)["batch"] == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    model = make_model()
    history = fit(model, tmp_path)
    assert not history.interrupted
    assert_same_run(model, straight[0], history, straight[1])


def test_second_sigint_interrupts_at_once(tmp_path, python_sigint_handler):
    with pytest.raises(KeyboardInterrupt):
        fit(make_model(), tmp_path, callbacks=[SendSigint(2, times=2)])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_without_checkpoints_is_a_keyboard_interrupt(python_sigint_handler):
    with pytest.raises(KeyboardInterrupt):
        fit(make_model(), callbacks=[SendSigint(2)])


# -- damaged checkpoints ----------------------------------------------------------------


def rewrite_state(directory, change):
    path = directory / CHECKPOINT_FILE
    with safe_open(str(path), framework="numpy") as f:
        metadata = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    state = json.loads(metadata["checkpoint"])
    change(state, metadata, tensors)
    metadata["checkpoint"] = json.dumps(state)
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))


def _set(key, value):
    def change(state, metadata, tensors):
        state[key] = value

    return change


def _set_partial(key, value):
    def change(state, metadata, tensors):
        state["partial"][key] = value

    return change


def _drop_tensor(state, metadata, tensors):
    del tensors["layers.0.kernel"]


def _bad_rng(state, metadata, tensors):
    metadata["rng_state"] = json.dumps({"bit_generator": "PCG64", "state": {"state": -1}})


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_set("version", 99), "state version 99"),
        (_set("epoch", -1), "epoch -1"),
        (_set("batch", "3"), "batch '3'"),
        (_set("history", []), "no history"),
        (_set("history", {"loss": 1.0}), "must be lists"),
        (_set("batch", 0), "disagree"),
        (_set("partial", [1, 2]), "partial-epoch"),
        (_set_partial("metric_sums", ["x"]), "partial-epoch"),
        (_set_partial("epoch_rng_state", None), "partial-epoch"),
        (_set_partial("metric_sums", [1.0, 2.0]), "metric sums"),
        (_set("learning_rate", -0.1), "learning_rate"),
        (_set("stopped_reason", 5), "stopped_reason"),
        (_set("fingerprint", None), "no valid run description"),
        (_drop_tensor, "lacks the tensor 'layers.0.kernel'"),
        (_bad_rng, "invalid rng_state"),
    ],
)
def test_damaged_checkpoint_is_a_model_file_error(tmp_path, change, match):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(5)])
    rewrite_state(tmp_path, change)
    with pytest.raises(nz.ModelFileError, match=match):
        fit(make_model(), tmp_path)


@pytest.mark.parametrize("content", [b"", b"garbage" * 10, b"\xff" * 8 + b"{}"])
def test_unreadable_checkpoint_is_a_model_file_error(tmp_path, content):
    (tmp_path / CHECKPOINT_FILE).write_bytes(content)
    with pytest.raises(nz.ModelFileError, match="unreadable.*delete it"):
        fit(make_model(), tmp_path)


def test_a_plain_model_file_is_not_a_checkpoint(tmp_path, straight):
    straight[0].save(tmp_path / CHECKPOINT_FILE)
    with pytest.raises(nz.ModelFileError, match="missing or malformed 'checkpoint'"):
        fit(make_model(), tmp_path)


def test_invalid_epoch_start_generator_state_is_a_model_file_error(tmp_path):
    with pytest.raises(CrashError):
        fit(make_model(), tmp_path, callbacks=[CrashAt(5)])
    rewrite_state(tmp_path, _set_partial("epoch_rng_state", {"bit_generator": "MT19937"}))
    with pytest.raises(nz.ModelFileError, match="invalid epoch_rng_state"):
        fit(make_model(), tmp_path)


class _Note(nz.callbacks.Callback):
    """Keeps something in the history that JSON cannot hold."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.history.history["note"] = [object()]


def test_a_log_value_that_json_cannot_hold_is_a_clear_type_error(tmp_path):
    with pytest.raises(TypeError, match="object cannot be stored in a checkpoint"):
        fit(make_model(), tmp_path, callbacks=[_Note()])
