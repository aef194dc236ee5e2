"""Checking what the model is given: :class:`InputChecks`, which
:class:`~nnzero.Sequential` inherits ``validate_x``, ``validate_y`` and
``output_width`` from.
"""

from __future__ import annotations

import numpy as np

from .. import layers as layers_module
from .._validation import as_float_array
from ..errors import InvalidArgumentError, InvalidTypeError


class InputChecks:
    """Input and target checks for a model that provides ``layers``,
    ``dtype``, ``built``, ``build``, ``input_shape``, ``output_shape`` and
    ``loss`` (as :class:`~nnzero.Sequential` does).

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> isinstance(model, InputChecks), model.validate_x([[1.0, 2.0, 3.0]]).shape
    (True, (1, 3))
    """

    def validate_x(self, x, name: str = "x", *, build: bool = True, input_shape=None) -> np.ndarray:
        """``x`` (the argument ``name``) as an array of the model's dtype.

        An unbuilt model is built from it unless ``build`` is false (``fit``
        builds only once every argument has passed, so a failed call leaves
        an unbuilt model unbuilt). ``input_shape`` is the sample
        shape expected of an unbuilt model (validation data must match x).

        Example
        -------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3)])
        >>> model.validate_x([[1, 2]], build=False).dtype, model.built
        (dtype('float32'), False)
        """
        x = as_float_array(x, name, self.dtype)
        if x.ndim >= 2 and 0 in x.shape[1:]:
            raise InvalidArgumentError(
                f"`{name}` has no features: samples of shape {x.shape[1:]}. Received: shape "
                f"{x.shape}")
        takes_nd = bool(self.layers) and isinstance(self.layers[0], layers_module.Flatten)
        if x.ndim != 2 and not takes_nd:
            raise InvalidArgumentError(
                f"`{name}` must be 2-D (n_samples, n_features). Received: shape {x.shape}. "
                "Flatten it first, or make Flatten() the first layer."
            )
        expected = self.input_shape if self.built else input_shape
        if expected is None:
            if build:
                self.build(x.shape[1:])
        elif x.shape[1:] != tuple(expected):
            where = "the model was built for" if self.built else "`x` has samples of shape"
            raise InvalidArgumentError(
                f"`{name}` has samples of shape {x.shape[1:]}, but {where} {tuple(expected)}."
            )
        return x

    def output_width(self, input_shape) -> int:
        """Number of outputs for samples of ``input_shape``, without building.

        Example
        -------
        >>> import nnzero as nz
        >>> nz.Sequential([nz.layers.Dense(3)]).output_width((5,))
        3
        """
        if self.built:
            return self.output_shape[0]
        if not self.layers:
            raise InvalidArgumentError(
                "The model has no layers; pass a list of layers to Sequential."
            )
        shape = tuple(int(d) for d in input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape[0]

    def validate_y(self, y, x: np.ndarray, name: str = "y", n_outputs: int | None = None):
        """Targets ``y`` (the argument ``name``) checked by the loss against
        ``n_outputs`` (default: the built model's) and the length of ``x``."""
        if y is None:
            raise InvalidArgumentError(f"`{name}` is required.")
        width = self.output_shape[0] if n_outputs is None else n_outputs
        try:
            y = self.loss.prepare_targets(y, width, self.dtype)
        except (InvalidArgumentError, InvalidTypeError) as err:
            if name == "y":
                raise
            # The losses word their messages for `y`; name the argument actually at fault.
            message = str(err)
            if "`y`" in message:
                raise type(err)(message.replace("`y`", f"`{name}`")) from None
            raise type(err)(f"`{name}`: {message}") from None
        if len(y) != len(x):
            raise InvalidArgumentError(
                f"`x` and `{name}` must have the same number of samples. "
                f"Received: {len(x)} and {len(y)}"
            )
        return y
