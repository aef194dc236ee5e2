"""Tutorial 002 with the Python API: two moons (200 points, noise 0.2), a
2-3-2 network with a tanh hidden layer and a softmax output, batch gradient
descent with L2 for 20,000 passes; draws its decision boundary.

The same network as ``nnzero train --config examples/tutorial_002.toml``
(which also holds out a test share); ``examples/plot_boundary_grid.py``
draws the tutorial's grid of hidden sizes.

    python examples/tutorial_002.py --out boundary.png
"""

from __future__ import annotations

import argparse

import nnzero as nz

N = 200


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--hidden", type=int, default=3)
    parser.add_argument("--out", help="write the decision boundary to this PNG")
    args = parser.parse_args(argv)

    x, y = nz.datasets.make_moons(N, noise=0.2, seed=0)
    # The tutorial's step 0.01 and L2 0.01 act on the loss summed over the
    # samples; nnzero's loss is their mean, hence the factors of N.
    penalty = nz.regularizers.L2(0.01 / (2 * N))
    model = nz.Sequential([
        nz.layers.Dense(args.hidden, activation="tanh", kernel_regularizer=penalty),
        nz.layers.Dense(2, activation="softmax", kernel_regularizer=penalty),
    ], seed=0)
    model.compile(optimizer=nz.optimizers.SGD(learning_rate=0.01 * N),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=args.epochs, batch_size=None, verbose=0)
    accuracy = model.evaluate(x, y)["accuracy"]
    print(f"hidden layer of {args.hidden}: training accuracy {accuracy:.3f}")
    if args.out:
        nz.plot.save(nz.plot.decision_boundary(model, x, y), args.out)
    return accuracy


if __name__ == "__main__":
    main()
