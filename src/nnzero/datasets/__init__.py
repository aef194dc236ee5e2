"""Data sets: MNIST, Fashion-MNIST, any MNIST-style IDX set, a small fallback,
the user's CSV files, toy sets, and preprocessing helpers.

Loaders return ``((x_train, y_train), (x_test, y_test))`` with samples as
rows: float32 images in [0, 1] and int64 labels by default. ``load_csv``
returns ``(x, y, class_names)``; the toy generators return ``(x, y)``.

Example
-------
>>> from nnzero import datasets
>>> (x_train, y_train), _ = datasets.load_digits_fallback()
>>> x_train.shape[1]
64
"""

from nnzero.datasets.csv import load_csv
from nnzero.datasets.digits import load_digits_fallback
from nnzero.datasets.idx import read_idx
from nnzero.datasets.mnist import load_fashion_mnist, load_idx_dataset, load_mnist
from nnzero.datasets.preprocessing import MinMaxScaler, StandardScaler, one_hot, train_val_split
from nnzero.datasets.toy import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_tutorial_001,
    make_xor,
)

__all__ = [
    "MinMaxScaler",
    "StandardScaler",
    "load_csv",
    "load_digits_fallback",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_tutorial_001",
    "make_xor",
    "one_hot",
    "read_idx",
    "train_val_split",
]
