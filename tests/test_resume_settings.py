"""Resume bookkeeping: the run's settings compared, SIGTERM taken as Ctrl-C."""

import os
import signal

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs.resume import (
    SETTINGS_FILE,
    ResumeError,
    check_resume,
    load_settings,
    save_settings,
    settings_differences,
    terminate_as_interrupt,
)


def test_same_settings_resume(tmp_path):
    save_settings(tmp_path, {"epochs": 4, "layers": [8, 4], "csv": None})
    check_resume(tmp_path, {"epochs": 4, "layers": (8, 4), "csv": None})


def test_relative_and_absolute_paths_are_the_same_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_settings(tmp_path, {"csv": "data.csv"})
    check_resume(tmp_path, {"csv": str(tmp_path / "data.csv")})


def test_other_settings_are_refused_naming_each_difference(tmp_path):
    save_settings(tmp_path, {"epochs": 4, "seed": 0, "dropout": 0.0})
    with pytest.raises(ResumeError) as err:
        check_resume(tmp_path, {"epochs": 5, "seed": 0, "dropout": 0.2})
    assert "dropout: 0.0 in the interrupted run, 0.2 now" in str(err.value)
    assert "epochs: 4 in the interrupted run, 5 now" in str(err.value)
    assert "seed" not in str(err.value)
    assert isinstance(err.value, nz.InvalidArgumentError)  # exit status 2


def test_nothing_to_resume(tmp_path):
    with pytest.raises(ResumeError, match="Nothing to resume"):
        check_resume(tmp_path, {"epochs": 1})


def test_unreadable_settings_are_a_clear_error(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text("{not json")
    with pytest.raises(ResumeError, match="cannot be read"):
        load_settings(tmp_path)
    (tmp_path / SETTINGS_FILE).write_text("[1, 2]")
    with pytest.raises(ResumeError, match="does not hold a table"):
        load_settings(tmp_path)


def test_keys_missing_on_one_side_are_named():
    assert settings_differences({"a": 1}, {}) == ["a: 1 in the interrupted run, not set now"]


def test_sigterm_outside_training_raises_keyboard_interrupt():
    # Whatever SIGINT's handler (Python's own, or ignored in a background run).
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next line
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


class _TermAt(nz.callbacks.Callback):
    """Sends SIGTERM to this process at the end of one batch."""

    def __init__(self, batch):
        self.batch, self.seen = batch, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batch:
            os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_during_checkpointed_fit_stops_after_the_batch(tmp_path):
    # A test run started in the background may have SIGINT ignored; fit only
    # takes over Python's own handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    try:
        with terminate_as_interrupt():
            history = model.fit(x, y, epochs=3, batch_size=8, verbose=0,
                                checkpoint_dir=tmp_path, callbacks=[_TermAt(11)])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert history.interrupted
    assert "epoch 2, batch 3" in history.stopped_reason
    assert (tmp_path / "checkpoint.nnz").is_file()
