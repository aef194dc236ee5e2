"""Training progress for the terminal: a tqdm bar per epoch, or one line per epoch.

Example
-------
>>> import io
>>> import numpy as np
>>> import nnzero as nz
>>> from nnzero.cli.progress import ProgressBar
>>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
>>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
...               metrics=["accuracy"])
>>> out = io.StringIO()
>>> _ = model.fit(np.ones((8, 3)), np.array([0, 1] * 4), epochs=1, batch_size=4,
...               verbose=0, callbacks=[ProgressBar(8, 1, file=out, bar=False)])
>>> out.getvalue().startswith("Epoch 1/1 - loss ")
True
"""

from __future__ import annotations

import shutil
import sys
import time

from ..model.callbacks import Callback

__all__ = ["ProgressBar", "epoch_summary"]

_REFRESH_SECONDS = 0.1  # how often the live loss/accuracy text is redrawn


def epoch_summary(logs: dict) -> str:
    """The end-of-epoch figures as ``loss 0.1234 - accuracy 0.9650 - ...``.

    Example
    -------
    >>> from nnzero.cli.progress import epoch_summary
    >>> epoch_summary({"loss": 0.5, "accuracy": 0.75, "epoch_time": 1.234, "learning_rate": 0.1})
    'loss 0.5000 - accuracy 0.7500 - 1.23 s'
    """
    parts = [f"{key} {value:.4f}" for key, value in logs.items()
             if key not in ("epoch_time", "learning_rate")]
    if "epoch_time" in logs:
        parts.append(f"{logs['epoch_time']:.2f} s")
    return " - ".join(parts)


class ProgressBar(Callback):
    """A tqdm bar per epoch with the running loss and accuracy.

    Parameters
    ----------
    n_samples : int
        Training samples per epoch (the bar's total).
    epochs : int
        Number of epochs, for the ``Epoch 3/10`` label.
    file : file object, optional
        Where to write; default ``sys.stdout``.
    bar : bool or None
        Draw the live bar; ``None`` draws it only when ``file`` is a
        terminal. Without the bar, one summary line is written per epoch, so
        that logs and pipes get readable text rather than control codes.
    batch_size : int, optional
        Samples per batch. It places the bar of an epoch resumed from a
        checkpoint at the samples already trained; without it they are
        taken to be the resumed batch's index times that batch's size
        (which is wrong only when the resumed batch is a short last one).

    Example
    -------
    >>> import io
    >>> from nnzero.cli.progress import ProgressBar
    >>> ProgressBar(100, 3, file=io.StringIO()).bar
    False
    """

    def __init__(self, n_samples: int, epochs: int, file=None, bar: bool | None = None,
                 batch_size: int | None = None):
        self.n_samples = int(n_samples)
        self.epochs = int(epochs)
        self.batch_size = None if batch_size is None else int(batch_size)
        self.file = sys.stdout if file is None else file
        if bar is None:
            isatty = getattr(self.file, "isatty", None)
            bar = bool(isatty and isatty())
        self.bar = bar
        self._tqdm = None

    def on_epoch_begin(self, epoch, logs=None):
        self._seen = 0
        self._loss_sum = 0.0
        self._acc_sum = 0.0
        self._last_refresh = 0.0
        if self.bar:
            from tqdm import tqdm

            # A terminal that reports a size of 0x0 (some ptys) would get an
            # empty bar from tqdm's own query; shutil falls back to 100x24.
            size = shutil.get_terminal_size((100, 24))
            self._tqdm = tqdm(total=self.n_samples, desc=f"Epoch {epoch + 1}/{self.epochs}",
                              unit="sample", file=self.file, leave=True,
                              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} "
                                         "[{elapsed}<{remaining}{postfix}]",
                              ncols=max(size.columns, 60), nrows=max(size.lines, 2))

    def on_batch_end(self, batch, logs=None):
        if self._tqdm is None or not logs:
            return
        size = logs.get("size", 0)
        if self._seen == 0 and batch > 0:
            # The epoch resumes from a checkpoint: its earlier batches were
            # trained by the run that wrote it, so the bar starts after them.
            self._tqdm.update(min(batch * (self.batch_size or size), self.n_samples))
        self._seen += size
        self._loss_sum += logs.get("loss", 0.0) * size
        self._acc_sum += logs.get("accuracy", 0.0) * size
        now = time.monotonic()
        if now - self._last_refresh >= _REFRESH_SECONDS:
            self._last_refresh = now
            text = f"loss={self._loss_sum / self._seen:.4f}"
            if "accuracy" in logs:
                text += f" acc={self._acc_sum / self._seen:.4f}"
            self._tqdm.set_postfix_str(text, refresh=False)
        self._tqdm.update(size)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._tqdm is not None:
            # Short names keep the bar itself visible on an 80-column terminal.
            shown = " ".join(f"{key.replace('accuracy', 'acc')}={value:.4f}"
                             for key, value in logs.items()
                             if key not in ("epoch_time", "learning_rate"))
            self._tqdm.set_postfix_str(shown, refresh=False)
            self._tqdm.close()
            self._tqdm = None
        else:
            print(f"Epoch {epoch + 1}/{self.epochs} - {epoch_summary(logs)}", file=self.file,
                  flush=True)

    def on_train_end(self, logs=None):
        # Training may stop mid-epoch (a non-finite loss); never leave a bar open.
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
