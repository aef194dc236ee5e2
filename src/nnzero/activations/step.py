"""The step function of Rosenblatt's perceptron, which has no gradient.

Example
-------
>>> import numpy as np
>>> from nnzero.activations.step import Step
>>> Step().differentiable
False
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from .base import ActivationFunction, register


@register("step", "heaviside")
class Step(ActivationFunction):
    """Rosenblatt's threshold: 1 where ``z >= 0``, else 0. It has no useful
    gradient, so it is only for :class:`nnzero.Perceptron`.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.activations import Step
    >>> Step().forward(np.array([-0.5, 0.0, 2.0]))
    array([0., 1., 1.])
    """

    differentiable = False

    def forward(self, z):
        return (z >= 0).astype(z.dtype)

    def derivative(self, z, a):
        raise InvalidArgumentError(
            "The step activation has no gradient (it is zero almost everywhere), so it "
            "cannot be trained by backpropagation. Use nnzero.Perceptron, or a "
            "differentiable activation such as 'sigmoid'."
        )
