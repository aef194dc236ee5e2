"""Progress bars of an epoch resumed from a mid-epoch checkpoint start where
the checkpoint left off, and end full, rather than restart at zero.

The checkpoint helpers' run has 50 training samples in 7 batches of 8 (the
last one 2) and a checkpoint every 3 batches; a crash after 5 batches
leaves one after batch 3, so the resumed first epoch runs batches 3 to 6.
"""

import io

import pytest

from checkpoint_helpers import BATCH, EPOCHS, CrashAt, CrashError, fit, make_model
from nnzero.cli.progress import ProgressBar

SAMPLES, BATCHES = 50, 7


class Terminal(io.StringIO):
    def isatty(self):
        return True


def crashed_in_first_epoch(directory):
    with pytest.raises(CrashError):
        fit(make_model(), directory, callbacks=[CrashAt(5)])


def first_epoch(text):
    return text.split("Epoch 2/")[0]


def test_fit_bar_of_a_resumed_epoch_ends_at_every_batch(tmp_path, monkeypatch):
    crashed_in_first_epoch(tmp_path)
    out = Terminal()
    monkeypatch.setattr("sys.stdout", out)
    fit(make_model(), tmp_path, verbose=1)
    epoch = first_epoch(out.getvalue())
    assert f"{BATCHES}/{BATCHES}" in epoch
    # Its first step lands on the resumed batch's position, not on 1.
    assert f" 1/{BATCHES}" not in epoch


@pytest.mark.parametrize("batch_size", [BATCH, None])
def test_cli_bar_of_a_resumed_epoch_ends_at_every_sample(tmp_path, batch_size):
    crashed_in_first_epoch(tmp_path)
    out = io.StringIO()
    bar = ProgressBar(SAMPLES, EPOCHS, file=out, bar=True, batch_size=batch_size)
    fit(make_model(), tmp_path, callbacks=[bar])
    epoch = first_epoch(out.getvalue())
    assert f"{SAMPLES}/{SAMPLES}" in epoch
    assert f" {BATCH}/{SAMPLES}" not in epoch  # not counted again from zero

