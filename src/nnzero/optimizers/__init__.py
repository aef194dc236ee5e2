"""Optimizers: update parameters in place from their gradients.

Each update rule is PyTorch's (``torch.optim``) for the same
hyper-parameters, and the defaults are PyTorch's, so a model trained here and
one trained there from the same weights stay equal to rounding. Weight decay
is PyTorch's coupled L2 (``g += wd * w``) except in :class:`AdamW`, where it is
decoupled.

The base class keeps the step counter and the learning rate (a float or a
schedule from :mod:`nnzero.schedules`); subclasses create their state in
``build`` (lists parallel to the parameters) and implement ``update_step``.
The built-in rules implement ``_update`` instead, which works on any
arrays element-wise: when a model's parameters are views into one flat
buffer (as :class:`~nnzero.Sequential` lays them out), one call updates them
all at once, bit for bit as parameter by parameter.

Example
-------
>>> import numpy as np
>>> from nnzero import optimizers
>>> w, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
>>> opt = optimizers.SGD(learning_rate=0.1)
>>> opt.apply([w], [g])
>>> w
array([0.95, 2.05])
"""

from .adam import Adam, AdamW
from .adaptive import AdaGrad, RMSprop
from .base import Optimizer, get, names, register
from .sgd import SGD

__all__ = [
    "AdaGrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "get", "names", "register",
]
