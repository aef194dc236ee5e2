"""The base class of every callback (:class:`Callback`), in a module of its
own so that the callbacks built on it may live in several modules;
:mod:`nnzero.callbacks` re-exports it.
"""

from __future__ import annotations


class Callback:
    """Base class: every hook does nothing.

    ``fit`` calls ``on_train_begin``, then per epoch ``on_epoch_begin``,
    ``on_batch_end`` after every batch and ``on_epoch_end`` with the
    epoch's logs, and ``on_train_end``; ``self.model`` is the model being
    trained (setting ``self.model.stop_training`` ends training after the
    epoch).

    Examples
    --------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> class PrintLoss(nz.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, round(logs["loss"], 3))
    >>> model = nz.Sequential([nz.layers.Dense(1, kernel_initializer="zeros")])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> _ = model.fit(np.ones((4, 1)), np.ones(4), epochs=2, batch_size=None, verbose=0,
    ...               callbacks=[PrintLoss()])
    0 1.0
    1 0.36
    """

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None):
        """Called once before the first epoch (``logs`` is empty)."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch, also after early stopping."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called before each epoch; ``epoch`` counts from 0."""

    def on_epoch_end(self, epoch, logs=None):
        """Called after each epoch with its ``logs``: ``loss``, the metrics,
        the ``val_`` entries, ``epoch_time`` and ``learning_rate``."""

    def on_batch_end(self, batch, logs=None):
        """Called after each batch's update; ``batch`` counts from 0 within
        the epoch and ``logs`` holds at least the batch's ``loss``. ``fit``
        makes these calls only when some callback overrides this method."""

    def get_state(self) -> dict | None:
        """The state a resumed run needs, or ``None`` (the default): nothing.

        ``fit(..., checkpoint_dir=...)`` stores it in the checkpoint after
        every epoch (and every ``checkpoint_every`` batches) and, on
        resumption, hands it to :meth:`set_state` after ``on_train_begin``.
        Values are numbers, text, booleans or ``None``, or lists and dicts
        of these (kept exactly, as JSON), or a list of arrays (stored as
        tensors in the model's dtype).

        Returns
        -------
        dict or None

        Examples
        --------
        >>> import nnzero as nz
        >>> class Count(nz.callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.epochs = 0
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.epochs += 1
        ...     def get_state(self):
        ...         return {"epochs": self.epochs}
        ...     def set_state(self, state):
        ...         self.epochs = state["epochs"]
        >>> count = Count()
        >>> count.set_state({"epochs": 3})
        >>> count.get_state()
        {'epochs': 3}
        >>> nz.callbacks.Callback().get_state() is None
        True
        """
        return None

    def set_state(self, state: dict) -> None:
        """Take back what :meth:`get_state` returned (from a checkpoint).

        Parameters
        ----------
        state : dict
            :meth:`get_state`'s dict; lists of arrays come back as lists
            of arrays in the model's dtype.

        Examples
        --------
        >>> import nnzero as nz
        >>> stop = nz.callbacks.EarlyStopping(monitor="loss", patience=2)
        >>> stop.set_state({"best": 0.5, "wait": 1, "best_epoch": 3, "stopped_epoch": None,
        ...                 "best_weights": None})
        >>> stop.wait, stop.best_epoch
        (1, 3)
        """
