"""Train a 784-128-64-10 network on MNIST and report what it reached.

Run with ``python -m nnzero.demo [--epochs N]`` or ``make demo``. MNIST is
found as :func:`nnzero.datasets.load_mnist` finds it (``$NNZERO_DATA``
included); when it cannot be found or downloaded, the demo says so on one
line and trains on scikit-learn's small 8x8 digits instead.

Example
-------
>>> from nnzero.demo import main
>>> main(["--epochs", "1"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse

import numpy as np

from nnzero import layers, optimizers
from nnzero.datasets import load_digits_fallback, load_mnist
from nnzero.errors import DatasetNotFoundError
from nnzero.model import Sequential

__all__ = ["build_model", "load_data", "main"]


def load_data(data_dir=None):
    """Return ``(name, ((x_train, y_train), (x_test, y_test)))``, MNIST if possible.

    Example
    -------
    >>> from nnzero.demo import load_data
    >>> name, ((x_train, y_train), _) = load_data()  # doctest: +SKIP
    """
    try:
        return "MNIST", load_mnist(data_dir)
    except DatasetNotFoundError:
        # The full list of places tried is in the error; the demo keeps the
        # fallback to one line so that the training output stays readable.
        print("MNIST not found (set NNZERO_DATA or see the README); "
              "using scikit-learn's 8x8 digits instead.")
        return "scikit-learn digits", load_digits_fallback()


def build_model(seed=0):
    """The demo's network: 128 and 64 ReLU units, then a 10-way softmax.

    Example
    -------
    >>> from nnzero.demo import build_model
    >>> model = build_model()  # doctest: +SKIP
    """
    model = Sequential([
        layers.Dense(128, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], seed=seed)
    model.compile(optimizer=optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    """Train, evaluate and print the figures; return the exit status.

    Example
    -------
    >>> from nnzero.demo import main
    >>> main(["--epochs", "1"])  # doctest: +SKIP
    0
    """
    parser = argparse.ArgumentParser(prog="nnzero demo", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the data (default 5)")
    parser.add_argument("--data-dir", default=None, help="directory with the MNIST files")
    parser.add_argument("--seed", type=int, default=0, help="weight and shuffle seed (default 0)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1. Received: {args.epochs}")

    name, ((x_train, y_train), (x_test, y_test)) = load_data(args.data_dir)
    width = x_train.shape[1]
    print(f"{name}: {len(x_train)} training images (10% held out for validation), "
          f"{len(x_test)} test images of {width} pixels")
    print(f"Network {width}-128-64-10 (relu, relu, softmax), Adam(1e-3), batch 128, "
          f"{args.epochs} epochs")

    model = build_model(args.seed)
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=128,
                        validation_split=0.1, verbose=1)
    scores = model.evaluate(x_test, y_test)
    mean_epoch = float(np.mean(history.history["epoch_time"]))
    print(f"Test accuracy {scores['accuracy']:.4f} (loss {scores['loss']:.4f}); "
          f"mean epoch time {mean_epoch:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
