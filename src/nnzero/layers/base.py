"""The layer interface shared by every layer."""

from __future__ import annotations

import numpy as np


class Layer:
    """Base class of all layers.

    A layer owns its parameters (``params``) and their gradients (``grads``,
    a parallel list filled by ``backward``). It is built lazily: ``build``
    runs on the first input, when its width is known. ``forward(x,
    training)`` computes the output and keeps what ``backward(grad)`` needs,
    which returns the gradient with respect to the layer's input.

    Parameters
    ----------
    name : str, optional
        A name for the layer, shown by ``Sequential.summary``.

    Examples
    --------
    A layer that doubles its input, checked against finite differences:

    >>> import numpy as np
    >>> import nnzero as nz
    >>> class Double(nz.layers.Layer):
    ...     def forward(self, x, training=False):
    ...         return 2.0 * x
    ...     def backward(self, grad):
    ...         return 2.0 * grad
    >>> layer = Double()
    >>> layer.build((3,), np.random.default_rng(0), np.float64)
    >>> bool(nz.gradcheck(layer, np.ones((2, 3))) < 1e-6)
    True
    """

    #: Name under which the class is registered (:func:`nnzero.layers.register`);
    #: None for an unregistered user subclass, which works but cannot be saved.
    registered_name: str | None = None

    #: True when the layer reads its parameters and gradients only through
    #: ``self.params`` and ``self.grads``, so that the model may pack them:
    #: replace their entries by views into one shared buffer (see
    #: :mod:`nnzero._flat`). False (the safe default) for a layer that keeps
    #: other references to its arrays.
    params_packable = False

    def __init__(self, name: str | None = None):
        self.name = name
        self.built = False
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.param_names: list[str] = []
        self.input_shape: tuple[int, ...] | None = None
        #: False for the first layer: nobody needs the gradient of the data.
        self.needs_input_grad = True

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator, dtype) -> None:
        """Create parameters for inputs of shape ``(batch,) + input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            The shape of one sample.
        rng : numpy.random.Generator
            The model's generator, for initial weights and random draws.
        dtype : numpy dtype
            The model's float type.
        """
        self.input_shape = tuple(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """The layer's output for a batch, keeping what ``backward`` needs.

        Parameters
        ----------
        x : ndarray, shape (batch,) + input_shape
            The batch.
        training : bool, default False
            Training mode (dropout and augmentation active, batch statistics).

        Returns
        -------
        ndarray
        """
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Fill ``self.grads`` and return the gradient with respect to the input.

        Parameters
        ----------
        grad : ndarray
            ``dL/d(output)`` of the last ``forward`` in training mode.

        Returns
        -------
        ndarray
            ``dL/d(input)``, the shape of that forward pass's ``x``.
        """
        raise NotImplementedError

    def penalty(self) -> float:
        """Regularization added to the loss (0 for layers without one)."""
        return 0.0

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params))

    def get_config(self) -> dict:
        return {"name": self.registered_name or type(self).__name__}

    def __call__(self, x, training: bool = False):
        return self.forward(x, training=training)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
