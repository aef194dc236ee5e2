"""Running the network forward: :class:`Inference`, which
:class:`~nnzero.Sequential` inherits ``forward`` and the ``predict``
methods from.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ..metrics import predicted_classes
from ..threads import largest_product, threads_for_products
from .trainer import PREDICT_BATCH


class Inference:
    """``forward``, ``predict``, ``predict_proba`` and ``predict_classes`` for
    a model that provides ``layers``, ``validate_x`` and ``loss`` (as
    :class:`~nnzero.Sequential` does).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> isinstance(model, Inference), model.predict(np.ones((3, 4))).shape
    (True, (3, 2))
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Every layer's ``forward`` in turn on a validated batch ``x`` (with
        ``training``, each keeps what its backward pass needs).

        Example
        -------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3)])
        >>> model.build((2,))
        >>> model.forward(np.ones((4, 2), "float32")).shape
        (4, 3)
        """
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def predict(self, x, batch_size: int | None = None) -> np.ndarray:
        """The network's outputs (probabilities for a softmax/sigmoid output,
        logits when the loss was compiled with ``from_logits=True``).

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray, shape (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.predict(np.zeros((1, 3))).round(2)  # zero inputs, zero biases
        array([[0.5, 0.5]], dtype=float32)
        """
        x = self.validate_x(x)
        step = PREDICT_BATCH if batch_size is None else check_int(batch_size, "batch_size", low=1)
        # A confident output underflows to exactly 0 or 1: the right result.
        with threads_for_products(largest_product(self, min(step, len(x)))), np.errstate(
            under="ignore"
        ):
            if len(x) <= step:
                return self.forward(x)
            return np.concatenate([self.forward(x[i : i + step]) for i in range(0, len(x), step)])

    def predict_proba(self, x, batch_size: int | None = None) -> np.ndarray:
        """Class probabilities, applying the loss's activation to logits if needed.

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray, shape (n_samples, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(1, kernel_initializer="zeros")])
        >>> model.compile(loss=nz.losses.BinaryCrossentropy(from_logits=True))
        >>> model.predict_proba(np.zeros((1, 2)))  # sigmoid(0)
        array([[0.5]], dtype=float32)
        """
        out = self.predict(x, batch_size)
        if self.loss is not None and self.loss.from_logits:
            with np.errstate(under="ignore"):  # exp of a very negative logit is 0
                out = self.loss.activate(out)
        return out

    def predict_classes(self, x, batch_size: int | None = None) -> np.ndarray:
        """Predicted class index per sample (argmax, or 0.5 threshold for one output).

        Parameters
        ----------
        x : array-like, shape (n_samples, ...)
            Samples as rows (or images, for a model that starts with Flatten).
        batch_size : int, optional
            Samples per forward pass (default: 4,096 at a time, which bounds
            memory); the result does not depend on it.

        Returns
        -------
        ndarray of int64, shape (n_samples,)

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(2, activation="softmax")])
        >>> model.build((2,))
        >>> model.set_weights([np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2)])
        >>> model.predict_classes(np.array([[2.0, 0.0], [0.0, 2.0]]))
        array([0, 1])
        """
        out = self.predict(x, batch_size)
        from_logits = self.loss is not None and self.loss.from_logits
        return predicted_classes(out, from_logits)
