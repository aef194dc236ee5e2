"""Tutorial 004 with the Python API: the Keras network Flatten ->
Dense(1000, relu) -> Dense(10, softmax), SGD (learning rate 0.01, batch 32)
and sparse categorical cross-entropy for 10 epochs on 28x28 MNIST images.

The same run as ``nnzero train --config examples/tutorial_004.toml``; the
perceptron of the tutorial's first part is in ``tutorial_004_perceptron.py``.

    python examples/tutorial_004.py
"""

from __future__ import annotations

import argparse

import nnzero as nz
from nnzero.datasets import train_val_split


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, help="train on the first N images only")
    args = parser.parse_args(argv)

    (x, y), (x_test, y_test) = nz.datasets.load_mnist(flatten=False)  # (n, 28, 28)
    x, y = x[: args.limit], y[: args.limit]
    (x, y), (x_val, y_val) = train_val_split(x, y, val_fraction=0.1, seed=0)
    model = nz.Sequential([
        nz.layers.Flatten(),
        nz.layers.Dense(1000, activation="relu"),
        nz.layers.Dense(10, activation="softmax"),
    ], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=args.epochs, batch_size=32, validation_data=(x_val, y_val),
              verbose=2)
    accuracy = model.evaluate(x_test, y_test)["accuracy"]
    print(f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
