"""Reading and replacing parameters: :class:`WeightAccess`, which
:class:`~nnzero.Sequential` inherits ``get_weights`` and ``set_weights`` from.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, InvalidTypeError


class WeightAccess:
    """``get_weights`` and ``set_weights`` for a model that provides
    ``params`` and ``built`` (as :class:`~nnzero.Sequential` does).

    Example
    -------
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(2)])
    >>> model.build((3,))
    >>> isinstance(model, WeightAccess), len(model.get_weights())
    (True, 2)
    """

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter in Keras order (per Dense: kernel (n_in,
        n_out), then bias).

        Returns
        -------
        list of ndarray

        Examples
        --------
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(3)])
        >>> model.build((4,))
        >>> [w.shape for w in model.get_weights()]
        [(4, 3), (3,)]
        """
        return [p.copy() for p in self.params]

    def set_weights(self, weights) -> None:
        """Replace every parameter, in ``get_weights`` order; shapes must match.

        Parameters
        ----------
        weights : list of array-like
            One array per parameter, as ``get_weights`` returns them.

        Raises
        ------
        InvalidArgumentError
            If the count or a shape does not match (the parameter is named).

        Examples
        --------
        >>> import numpy as np
        >>> import nnzero as nz
        >>> model = nz.Sequential([nz.layers.Dense(1)])
        >>> model.build((2,))
        >>> model.set_weights([np.ones((2, 1)), np.zeros(1)])
        >>> model.predict(np.array([[1.0, 2.0]]))
        array([[3.]], dtype=float32)
        """
        if not self.built:
            raise InvalidArgumentError(
                "set_weights needs a built model; call build(input_shape) or fit first."
            )
        params = self.params
        if not isinstance(weights, (list, tuple)):
            raise InvalidTypeError(
                "`weights` must be a list of arrays, as returned by get_weights(). "
                f"Received: an object of type {type(weights).__name__}"
            )
        if len(weights) != len(params):
            raise InvalidArgumentError(
                f"set_weights expected {len(params)} arrays. Received: {len(weights)}"
            )
        # Every array is checked before any parameter changes, so a failed
        # call leaves the model as it was.
        arrays = []
        for i, w in enumerate(weights):
            try:
                arrays.append(np.asarray(w))
            except (TypeError, ValueError) as err:
                raise InvalidTypeError(
                    f"`weights[{i}]` must be an array of numbers. Received: {err}"
                ) from None
            if arrays[-1].dtype.kind not in "biuf":
                raise InvalidTypeError(
                    f"`weights[{i}]` must be numeric. Received: an array of dtype "
                    f"{arrays[-1].dtype}"
                )
        for i, (param, w) in enumerate(zip(params, arrays, strict=True)):
            if w.shape != param.shape:
                raise InvalidArgumentError(
                    f"set_weights: array {i} must have shape {param.shape}. Received: {w.shape}"
                )
            if not np.isfinite(w).all():
                raise InvalidArgumentError(
                    f"set_weights: array {i} contains NaN or infinite values."
                )
        for param, w in zip(params, arrays, strict=True):
            param[...] = w
