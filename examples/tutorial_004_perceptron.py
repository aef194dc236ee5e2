"""Tutorial 004, first part: the perceptron. Rosenblatt's rule learns the
logical AND and OR of two binary inputs (linearly separable) in a few epochs,
and can never learn XOR, which no straight line separates; a network with
one hidden layer learns it.

    python examples/tutorial_004_perceptron.py
"""

from __future__ import annotations

import numpy as np

import nnzero as nz

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}


def main(argv=None) -> dict[str, list[int]]:
    results = {}
    for gate, targets in GATES.items():
        perceptron = nz.Perceptron(max_epochs=50, seed=0).fit(INPUTS, np.array(targets))
        predicted = perceptron.predict(INPUTS).tolist()
        results[gate] = predicted
        print(f"perceptron {gate}: predicts {predicted} for {targets} after "
              f"{len(perceptron.errors_)} epochs (last epoch's errors: {perceptron.errors_[-1]})")
    network = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
                             nz.layers.Dense(1, activation="sigmoid")], seed=0)
    network.compile(optimizer=nz.optimizers.Adam(0.05), loss="binary_crossentropy")
    network.fit(INPUTS, np.array(GATES["XOR"]), epochs=500, batch_size=None, verbose=0)
    results["XOR network"] = network.predict_classes(INPUTS).tolist()
    print(f"2-4-1 network XOR: predicts {results['XOR network']}")
    return results


if __name__ == "__main__":
    main()
