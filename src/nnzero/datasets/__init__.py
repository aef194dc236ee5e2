"""Data sets: MNIST, Fashion-MNIST, any MNIST-style IDX set, and a small fallback.

Loaders return ``((x_train, y_train), (x_test, y_test))`` with samples as
rows: float32 images in [0, 1] and int64 labels by default.

Example
-------
>>> from nnzero import datasets
>>> (x_train, y_train), _ = datasets.load_digits_fallback()
>>> x_train.shape[1]
64
"""

from nnzero.datasets.digits import load_digits_fallback
from nnzero.datasets.idx import read_idx
from nnzero.datasets.mnist import load_fashion_mnist, load_idx_dataset, load_mnist

__all__ = [
    "load_digits_fallback",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
    "read_idx",
]
