"""Tutorial 000 with the Python API: the NumPy MLP 784-128-32-10 on MNIST,
full-batch gradient descent with learning rate 0.03 for 200 epochs.

The same run as ``nnzero train --config examples/tutorial_000.toml``.

    python examples/tutorial_000.py                 # about as long as the config's run
    python examples/tutorial_000.py --epochs 20 --limit 10000
"""

from __future__ import annotations

import argparse

import nnzero as nz
from nnzero.datasets import train_val_split


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--limit", type=int, help="train on the first N images only")
    args = parser.parse_args(argv)

    (x, y), (x_test, y_test) = nz.datasets.load_mnist()  # pixels / 255, rows of 784
    x, y = x[: args.limit], y[: args.limit]
    (x, y), (x_val, y_val) = train_val_split(x, y, val_fraction=0.1, seed=0)
    model = nz.Sequential([
        nz.layers.Dense(128, activation="relu"),
        nz.layers.Dense(32, activation="relu"),
        nz.layers.Dense(10, activation="softmax"),
    ], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(learning_rate=0.03),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # batch_size=None: one gradient step per epoch over every training image.
    model.fit(x, y, epochs=args.epochs, batch_size=None, validation_data=(x_val, y_val),
              verbose=2)
    accuracy = model.evaluate(x_test, y_test)["accuracy"]
    print(f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
