"""Tutorial 003 with the Python API: 784-128-64-10 with sigmoid hidden layers,
per-sample SGD (learning rate 0.001) for 10 epochs, 15 % of the training
images held out for validation with seed 42; one line per epoch with its
time and validation accuracy, for each weight seed.

The same runs as ``nnzero train --config examples/tutorial_003.toml --seed S``.

    python examples/tutorial_003.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse

import nnzero as nz
from nnzero.datasets import train_val_split


def main(argv=None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--limit", type=int, help="train on the first N images only")
    args = parser.parse_args(argv)

    (x, y), _ = nz.datasets.load_mnist()
    x, y = x[: args.limit], y[: args.limit]
    (x, y), (x_val, y_val) = train_val_split(x, y, val_fraction=0.15, seed=42)
    results = {}
    for seed in args.seeds:
        # Orthogonal kernels whose gains grow towards the output, making up for
        # the sigmoid's slope (at most 1/4) on the way back.
        gains = (1.0, 8.0, 16.0)
        model = nz.Sequential([
            nz.layers.Dense(units, activation=activation,
                            kernel_initializer=nz.initializers.Orthogonal(gain))
            for units, activation, gain in zip((128, 64, 10), ("sigmoid", "sigmoid", "softmax"),
                                               gains, strict=True)
        ], seed=seed)
        model.compile(optimizer=nz.optimizers.SGD(learning_rate=0.001),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=args.epochs, batch_size=1,
                            validation_data=(x_val, y_val), verbose=0)
        for epoch, (seconds, accuracy) in enumerate(zip(
                history.history["epoch_time"], history.history["val_accuracy"], strict=True)):
            print(f"seed {seed} epoch {epoch + 1}: time spent {seconds:.2f}s, "
                  f"validation accuracy {accuracy:.4f}")
        results[seed] = history.history["val_accuracy"][-1]
    return results


if __name__ == "__main__":
    main()
