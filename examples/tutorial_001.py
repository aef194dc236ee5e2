"""Tutorial 001 with the Python API: the Julia binary classifier, a 3-5-3-1
network (ReLU, sigmoid output, binary cross-entropy) trained by full-batch
gradient descent on two 3-D clusters, to a perfect score.

The same run as ``nnzero train --config examples/tutorial_001.toml``.

    python examples/tutorial_001.py
"""

from __future__ import annotations

import argparse

import nnzero as nz
from nnzero.datasets import make_tutorial_001, train_val_split


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--limit", type=int, help="use the first N points only")
    args = parser.parse_args(argv)

    x, y = make_tutorial_001(seed=2020)  # the tutorial's seed
    x, y = x[: args.limit], y[: args.limit]
    (x, y), (x_test, y_test) = train_val_split(x, y, val_fraction=0.2, seed=2020)
    model = nz.Sequential([
        nz.layers.Dense(5, activation="relu"),
        nz.layers.Dense(3, activation="relu"),
        nz.layers.Dense(1, activation="sigmoid"),
    ], seed=2020)
    model.compile(optimizer=nz.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=args.epochs, batch_size=None, verbose=0)
    accuracy = model.evaluate(x_test, y_test)["accuracy"]
    print(f"cost {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}; "
          f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
