"""Weight constraints: projections applied to a kernel after every update.

A constraint is an object with ``__call__(w)`` that returns the projected
weights (it may change ``w`` in place and return it). ``Dense(...,
kernel_constraint=MaxNorm(3.0))`` applies it to the kernel after each
optimizer step, as Keras does.

Example
-------
>>> import numpy as np
>>> from nnzero import constraints
>>> w = np.array([[3.0, 0.1], [4.0, 0.1]])
>>> constraints.MaxNorm(1.0)(w).round(3)
array([[0.6, 0.1],
       [0.8, 0.1]])
"""

from __future__ import annotations

import numpy as np

from ._registry import Registry
from ._validation import check_int, check_positive

_REGISTRY = Registry("constraint", protocol=("__call__",))
register = _REGISTRY.register


@register("max_norm")
class MaxNorm:
    """Cap the L2 norm of the weights into each unit at ``max_value``.

    Parameters
    ----------
    max_value : float, default 3
        The largest norm a unit's incoming weights may have.
    axis : int, default 0
        The axis the norms are taken over (0: one per column of a Dense
        kernel, that is, per unit).

    Raises
    ------
    InvalidArgumentError
        If ``max_value`` is not positive or ``axis`` is negative.

    For a Dense kernel of shape ``(n_in, units)`` the norms are taken over
    ``axis=0``, one per unit (the column of weights feeding it); columns
    within the cap are left exactly as they are, longer ones are rescaled to
    length ``max_value``.

    Notes
    -----
    Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from
    Overfitting", JMLR 2014, section 5.1: the cap lets training use large
    learning rates without the weights blowing up. Unlike Keras, which
    rescales every column by ``min(norm, c) / (norm + 1e-7)`` and so shrinks
    short ones slightly too, only columns longer than the cap change, by
    ``c / (norm + 1e-7)``: exactly ``torch.renorm(w.T, 2, 0, c).T``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.constraints import MaxNorm
    >>> w = np.array([[6.0, 0.3], [8.0, 0.4]])
    >>> MaxNorm(2.0)(w).round(6)
    array([[1.2, 0.3],
           [1.6, 0.4]])
    """

    def __init__(self, max_value: float = 3.0, axis: int = 0):
        self.max_value = check_positive(max_value, "max_value")
        self.axis = check_int(axis, "axis", low=0)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        norms = np.sqrt(np.sum(w * w, axis=self.axis, keepdims=True))
        too_long = norms > self.max_value
        if too_long.any():
            # Scale only the over-long columns (by torch.renorm's factor, whose
            # 1e-7 also keeps a column of huge entries finite); the rest keep
            # their exact values.
            w *= np.where(too_long, self.max_value / (norms + 1e-7), 1.0).astype(
                w.dtype, copy=False)
        return w

    def get_config(self) -> dict:
        return {"name": "max_norm", "max_value": self.max_value, "axis": self.axis}

    def __repr__(self):
        return f"MaxNorm(max_value={self.max_value}, axis={self.axis})"


@register("non_neg")
class NonNeg:
    """Clip negative weights to zero.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.constraints import NonNeg
    >>> NonNeg()(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def __call__(self, w: np.ndarray) -> np.ndarray:
        np.maximum(w, 0, out=w)
        return w

    def get_config(self) -> dict:
        return {"name": "non_neg"}

    def __repr__(self):
        return "NonNeg()"


def get(identifier, argument: str = "kernel_constraint"):
    """Resolve ``None``, a name, a config dict or an object to a constraint.

    Parameters
    ----------
    identifier : None, str, dict or callable
        ``None`` (no constraint), a registered name, a config, or a function
        that projects a weight array in place and returns it.
    argument : str, default "kernel_constraint"
        The argument's name in error messages.

    Returns
    -------
    MaxNorm, NonNeg, callable or None

    Examples
    --------
    >>> get("max_norm")
    MaxNorm(max_value=3.0, axis=0)
    >>> get(None) is None
    True
    """
    if identifier is None:
        return None
    return _REGISTRY.get(identifier, argument)
