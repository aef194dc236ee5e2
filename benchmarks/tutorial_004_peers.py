"""Tutorial 004's settings trained by nnzero, PyTorch and scikit-learn, epoch by epoch.

The tutorial (Keras: Flatten -> Dense(1000, relu) -> Dense(10, softmax), SGD
at Keras's defaults, learning rate 0.01 and batch size 32, 10 epochs) reports
about 99 % training and 98 % validation accuracy; its code is only in an
image. This script checks whether the settings the text names reach those
figures in other frameworks: the same network and optimizer (benchmark case
4) on the same split as ``examples/tutorial_004.toml`` (10 % of the training
images held out, stratified, seed 0), each framework with its own default
initialisation, accuracy on the training and validation images after every
epoch. Timings are not its point; ``make bench`` measures speed.

    python benchmarks/tutorial_004_peers.py            # 10 epochs, MNIST
    python benchmarks/tutorial_004_peers.py --epochs 1 --synthetic 500
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import load_data, set_threads  # noqa: E402
from frameworks import CLASSIC as FRAMEWORKS  # noqa: E402
from frameworks import make_runner  # noqa: E402
from suite import CASES  # noqa: E402
from table import NAMES  # noqa: E402


def main(argv=None) -> dict[str, list[tuple[float, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--data-dir", help="directory with the MNIST files")
    parser.add_argument("--synthetic", type=int, metavar="N",
                        help="N synthetic samples instead of MNIST (a smoke run)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1; received {args.epochs}")

    from nnzero.datasets import train_val_split

    (x, y), _, description = load_data(args.data_dir, args.synthetic)
    (x, y), (x_val, y_val) = train_val_split(x, y, val_fraction=0.1, seed=0, stratify=True)
    case = CASES["4"]
    runners = {name: make_runner(name, case, x, y, seed=args.seed) for name in FRAMEWORKS}
    set_threads(args.threads)  # after the imports, so PyTorch's pool is fixed too
    print(f"Data: {description}; {len(x)} training, {len(x_val)} validation images; "
          f"case 4 ({case.title}, learning rate {case.learning_rate}); seed {args.seed}; "
          f"{args.threads} thread(s)")
    header = " | ".join(f"{NAMES[name]} train / val" for name in FRAMEWORKS)
    print(f"| Epoch | {header} |")
    print("|---" * (len(FRAMEWORKS) + 1) + "|")
    curves: dict[str, list[tuple[float, float]]] = {name: [] for name in FRAMEWORKS}
    for epoch in range(1, args.epochs + 1):
        cells = []
        for name, runner in runners.items():
            runner.epoch()
            pair = (runner.accuracy(x, y), runner.accuracy(x_val, y_val))
            curves[name].append(pair)
            cells.append(f"{pair[0]:.2%} / {pair[1]:.2%}")
        print(f"| {epoch} | " + " | ".join(cells) + " |", flush=True)
    return curves


if __name__ == "__main__":
    main()
