"""Decision boundaries over hidden-layer sizes, as in the two-moons tutorial.

The tutorial draws 200 two-moons points with noise 0.2 (NumPy seeded with 0),
trains a 2-h-2 network with a tanh hidden layer and a softmax output by batch
gradient descent for 20,000 passes (step 0.01 and L2 strength 0.01 on the
loss summed over the samples), for h = 1, 2, 3, 4, 5, 20 and 50, and sets a
logistic regression beside them. On nnzero's loss, which is the mean over
the samples, the same step and penalty are a learning rate of 0.01 * 200 = 2
and ``L2(0.01 / (2 * 200))``.

    python examples/plot_boundary_grid.py                  # writes docs/boundary_grid.png
    python examples/plot_boundary_grid.py --epochs 5000 --out grid.png
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nnzero as nz
from nnzero import plot

N_SAMPLES = 200
TUTORIAL_STEP = 0.01  # on the summed loss
TUTORIAL_L2 = 0.01  # reg_lambda / 2 * sum(w**2), on the summed loss


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000, help="full-batch steps per network")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "docs" /
                        "boundary_grid.png", help="where to write the PNG")
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args(argv)

    x, y = nz.datasets.make_moons(N_SAMPLES, noise=0.2, seed=0)
    start = time.perf_counter()
    fig = plot.boundary_grid(
        x, y,
        hidden_sizes=(1, 2, 3, 4, 5, 20, 50),
        activation="tanh",
        epochs=args.epochs,
        seed=0,
        learning_rate=TUTORIAL_STEP * N_SAMPLES,
        l2=TUTORIAL_L2 / (2 * N_SAMPLES),
    )  # fmt: skip
    fig.suptitle(
        f"Two moons ({N_SAMPLES} points, noise 0.2): one tanh hidden layer of each size, "
        f"{args.epochs:,} epochs of batch gradient descent"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plot.save(fig, args.out, dpi=args.dpi)
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return args.out


if __name__ == "__main__":
    main()
