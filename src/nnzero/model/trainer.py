"""Training as a part of the model: :class:`Trainer`, which
:class:`~nnzero.Sequential` inherits ``fit`` and ``evaluate`` from.

``fit`` is written once, here: it checks every argument
(:func:`.fit_arguments.prepare_fit`), then runs the loop
(:func:`.training.run_fit`); each batch trains in :mod:`.step`.
"""

from __future__ import annotations

from .._validation import check_int
from ..threads import largest_product, threads_for_products
from .fit_arguments import check_sample_weight, prepare_fit
from .training import evaluate_arrays, run_fit

#: Rows per batch when evaluating or predicting without a batch size: bounds memory.
PREDICT_BATCH = 4096


class Trainer:
    """``fit`` and ``evaluate`` for a model that provides ``forward``,
    ``validate_x``, ``validate_y``, ``output_width``, ``require_compiled``,
    ``build``, ``layers``, ``params``, ``grads``, ``optimizer``, ``loss``,
    ``metric_names``, ``metric_functions``, ``output_fused``, ``rng`` and
    ``batch_buffer`` (as :class:`~nnzero.Sequential` does).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer=nz.optimizers.SGD(0.1), loss="mse")
    >>> isinstance(model, Trainer), len(model.fit(np.ones((4, 2)), np.ones(4), verbose=0).epoch)
    (True, 1)
    """

    def fit(
        self,
        x,
        y,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data=None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        callbacks=None,
        verbose: int = 1,
        sample_weight=None,
        class_weight=None,
        checkpoint_dir=None,
        checkpoint_every: int | None = None,
        log_every: int | None = None,
    ):
        """Train for ``epochs`` passes over ``(x, y)`` and return a :class:`History`.

        ``batch_size=None`` (or ``len(x)``) is batch gradient descent, ``1`` is
        stochastic gradient descent, anything between is mini-batch.
        ``validation_split`` holds out the last fraction of the samples (before
        shuffling), as Keras does. A non-finite loss stops training with a
        warning and keeps the last finite weights.

        With ``checkpoint_dir``, the whole training state is saved there
        after every epoch (and every ``checkpoint_every`` batches); calling
        ``fit`` again with the same directory resumes where it stopped, with
        bit-identical results, and Ctrl-C stops after the current batch and
        returns the history so far. See :mod:`nnzero.model.checkpoint`.

        ``log_every=N`` also keeps the mean loss and metrics of every N
        batches in ``history.batches``, so a noisy stochastic descent can be
        drawn against full-batch descent (:func:`nnzero.plot.compare`).
        ``verbose=1`` draws a progress bar per epoch with the running loss
        when the output is a terminal, and one line per epoch otherwise;
        ``verbose=2`` always writes one line per epoch.

        Every argument is checked before anything is built or trained.

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        y : array-like
            Targets as the loss takes them: class indices for
            ``sparse_categorical_crossentropy``, one-hot rows for
            ``categorical_crossentropy``, 0/1 for ``binary_crossentropy``,
            values for ``mse``.
        epochs : int, default 1
            Passes over the training data.
        batch_size : int or None, default 32
            Samples per gradient step; ``None`` is the whole set.
        validation_data : (x_val, y_val), optional
            Data scored after every epoch (``val_`` entries in the history).
        validation_split : float, default 0
            Share of the samples (the last ones) held out for validation
            instead, in [0, 1).
        shuffle : bool, default True
            Visit the samples in a new order every epoch (the model's seed
            fixes it).
        callbacks : list of Callback, optional
            E.g. ``nnzero.callbacks.EarlyStopping``.
        verbose : {0, 1, 2}, default 1
            0 prints nothing; 1 and 2 print one line per epoch.
        sample_weight : array-like, shape (n_samples,), optional
            Weight of each sample in the loss.
        class_weight : dict, optional
            Weight of each class in the loss, ``{class index: weight}``.
        checkpoint_dir : str or path-like, optional
            Keep the whole training state there and resume from it.
        checkpoint_every : int, optional
            Also checkpoint every this many batches.

        Returns
        -------
        History
            Per-epoch ``loss``, metrics, ``val_*`` entries, ``epoch_time``
            and ``learning_rate`` in ``history.history``.

        Raises
        ------
        NotCompiledError
            If ``compile`` was not called.
        InvalidArgumentError, InvalidTypeError
            If an argument is invalid or the data do not fit the model (the
            argument is named).

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        >>> history = model.fit(np.eye(2), [0, 1], epochs=3, verbose=0)
        >>> len(history.history["loss"])
        3
        """
        # Every argument by its name, as prepare_fit reads them (taken first
        # thing, so that locals() holds the arguments and nothing else).
        request = dict(locals())
        del request["self"]
        return run_fit(self, prepare_fit(self, request))

    def evaluate(self, x, y, batch_size: int | None = None, sample_weight=None) -> dict:
        """Loss (with regularization) and metrics on ``(x, y)``, as a dict.

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        y : array-like
            Targets, as for ``fit``.
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.
        sample_weight : array-like, shape (n_samples,), optional
            Weight of each sample in the loss.

        Returns
        -------
        dict of str to float
            ``"loss"`` and each compiled metric.

        Raises
        ------
        NotCompiledError
            If ``compile`` was not called.

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(1, kernel_initializer="zeros")])
        >>> model.compile(loss="mse")
        >>> model.evaluate(np.ones((2, 3)), [1.0, 1.0])
        {'loss': 1.0}
        """
        self.require_compiled("evaluate")
        step = PREDICT_BATCH if batch_size is None else check_int(batch_size, "batch_size", low=1)
        x = self.validate_x(x, build=False)
        y = self.validate_y(y, x, n_outputs=self.output_width(x.shape[1:]))
        weights = check_sample_weight(sample_weight, len(x))
        if not self.built:
            self.build(x.shape[1:])
        with threads_for_products(largest_product(self, min(step, len(x)))):
            return evaluate_arrays(self, x, y, weights, step)
