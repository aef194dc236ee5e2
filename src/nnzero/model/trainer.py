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

        Every argument is checked before anything is built or trained.

        Example
        -------
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

        Example
        -------
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
