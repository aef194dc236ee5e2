"""``fit(verbose=1)`` on a terminal: one tqdm bar per epoch with the running loss.

Off a terminal (a log file, a notebook's captured output, a pipe) ``fit``
writes one line per epoch instead, as it does with ``verbose=2``: a bar's
carriage returns would fill a log with hundreds of half-lines.

Example
-------
>>> import io
>>> from nnzero.model.progress import use_bar
>>> use_bar(io.StringIO())
False
"""

from __future__ import annotations

import sys
import time

from .callbacks import Callback

__all__ = ["EpochBar", "use_bar"]

#: Seconds between two redraws of the running loss (tqdm redraws its count itself).
REFRESH_SECONDS = 0.1


def use_bar(stream=None) -> bool:
    """True when ``stream`` (default ``sys.stdout``) is an interactive terminal.

    Example
    -------
    >>> import io
    >>> use_bar(io.StringIO())
    False
    """
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class EpochBar(Callback):
    """A progress bar over the batches of each epoch, with the running mean
    loss (and metrics); :meth:`finish` replaces it by the epoch's line.

    Parameters
    ----------
    epochs : int
        Epochs of the run (for ``Epoch 3/10``).
    batches : int
        Batches per epoch (the bar's total).
    stream : file object, optional
        Where to draw (default ``sys.stdout`` at each epoch).

    Example
    -------
    >>> import io
    >>> bar = EpochBar(epochs=1, batches=2, stream=io.StringIO())
    >>> bar.on_epoch_begin(0)
    >>> bar.on_batch_end(0, {"batch": 0, "size": 4, "loss": 0.5})
    >>> bar.on_batch_end(1, {"batch": 1, "size": 4, "loss": 0.25})
    >>> bar.finish("Epoch 1/1 - loss 0.3750")
    >>> bar.stream.getvalue().rstrip().endswith("Epoch 1/1 - loss 0.3750")
    True
    """

    def __init__(self, epochs: int, batches: int, stream=None):
        self.epochs, self.batches, self.stream = epochs, batches, stream
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        from tqdm import tqdm  # loaded only when a bar is drawn

        out = self.stream if self.stream is not None else sys.stdout
        self._out = out
        self._sums, self._size, self._shown = {}, 0, 0.0
        self._bar = tqdm(total=self.batches, desc=f"Epoch {epoch + 1}/{self.epochs}",
                         unit="batch", file=out, leave=False, dynamic_ncols=True,
                         mininterval=REFRESH_SECONDS)

    def on_batch_end(self, batch, logs=None):
        size = logs["size"]
        for key, value in logs.items():
            if key not in ("batch", "size"):
                self._sums[key] = self._sums.get(key, 0.0) + value * size
        self._size += size
        bar = self._bar
        # Moved to the batch's position rather than by one: an epoch resumed
        # from a checkpoint starts at a later batch, and its bar with it.
        bar.update(batch + 1 - bar.n)
        now = time.monotonic()
        if now - self._shown >= REFRESH_SECONDS:
            self._shown = now
            bar.set_postfix_str(self._running(), refresh=False)

    def _running(self) -> str:
        return " - ".join(f"{k} {v / self._size:.4f}" for k, v in self._sums.items())

    def finish(self, line: str) -> None:
        """Draw the bar complete, then replace it by ``line``."""
        if self._bar is None:
            return
        if self._size:
            self._bar.set_postfix_str(self._running(), refresh=False)
        self._bar.refresh()
        self._bar.close()
        self._bar = None
        print(line, file=self._out, flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:  # stopped mid-epoch (non-finite loss, Ctrl-C)
            self._bar.close()
            self._bar = None
