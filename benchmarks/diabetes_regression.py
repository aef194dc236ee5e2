"""Regression from the command line against scikit-learn's MLPRegressor, on diabetes.

scikit-learn's diabetes data (442 patients, 10 features, a disease-progression
score from 25 to 346) is written as a CSV file; ``nnzero train --csv ...
--loss mse --layers 64,32`` trains a regressor on it, and MLPRegressor with
the same hidden layers is trained on the very same training rows (read back
from the run's ``predictions.csv``) and scored on the same test rows. Both
see standardised features and targets (nnzero does it itself; MLPRegressor
gets it from scalers fitted on the training rows), Adam at 1e-3, batches of
32, the same number of epochs, no L2 penalty. R² and RMSE on the test rows,
one line per seed, then the means. With 89 test rows one seed's R² moves by
about 0.1 between the two (initialisation and shuffling alone), so the
comparison is of means over many seeds:

    python benchmarks/diabetes_regression.py              # seeds 0-29, 30 epochs
    python benchmarks/diabetes_regression.py --seeds 2 --epochs 5
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np


def write_diabetes_csv(path: Path) -> None:
    """The diabetes data as CSV: ten feature columns and ``progression``."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*data.feature_names, "progression"])
        for row, target in zip(data.data, data.target, strict=True):
            writer.writerow([*(repr(float(v)) for v in row), repr(float(target))])


def run_nnzero(csv_path: Path, out: Path, seed: int, epochs: int) -> tuple[dict, list[int]]:
    """Train with the command line; return its metrics and the test rows."""
    from nnzero.cli import main

    code = main(["train", "--csv", str(csv_path), "--target", "progression", "--loss", "mse",
                 "--layers", "64,32", "--epochs", str(epochs), "--batch-size", "32",
                 "--learning-rate", "0.001", "--validation-split", "0", "--seed", str(seed),
                 "--out", str(out), "--no-plots", "--quiet"])
    if code != 0:
        raise SystemExit(f"nnzero train failed with exit status {code}")
    metrics = json.loads((out / "metrics.json").read_text())
    with open(out / "predictions.csv", newline="") as f:
        rows = [int(r["row"]) for r in csv.DictReader(f)]
    return metrics, rows


def run_sklearn(x, y, test_rows, seed: int, epochs: int) -> dict:
    """MLPRegressor on every row but ``test_rows`` (1-based), scored on those."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    test = np.zeros(len(x), dtype=bool)
    test[np.asarray(test_rows) - 1] = True
    sx = StandardScaler().fit(x[~test])
    sy = StandardScaler().fit(y[~test].reshape(-1, 1))
    model = MLPRegressor(hidden_layer_sizes=(64, 32), alpha=0.0, batch_size=32,
                         learning_rate_init=1e-3, max_iter=epochs, n_iter_no_change=epochs + 1,
                         random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of epochs
        model.fit(sx.transform(x[~test]), sy.transform(y[~test].reshape(-1, 1)).ravel())
    predicted = sy.inverse_transform(model.predict(sx.transform(x[test])).reshape(-1, 1))
    return {"r2": float(r2_score(y[test], predicted.ravel())),
            "rmse": float(np.sqrt(mean_squared_error(y[test], predicted.ravel())))}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1 (default 30)")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.epochs < 1:
        parser.error("--seeds and --epochs must be at least 1")
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "diabetes.csv"
        write_diabetes_csv(csv_path)
        print(f"{'seed':>4}  {'nnzero R²':>9}  {'sklearn R²':>10}  {'nnzero RMSE':>11}  "
              f"{'sklearn RMSE':>12}")
        for seed in range(args.seeds):
            metrics, test_rows = run_nnzero(csv_path, Path(folder) / f"run{seed}", seed,
                                            args.epochs)
            peer = run_sklearn(x, y, test_rows, seed, args.epochs)
            ours.append((metrics["test_r2"], metrics["test_rmse"]))
            theirs.append((peer["r2"], peer["rmse"]))
            print(f"{seed:>4}  {ours[-1][0]:>9.4f}  {peer['r2']:>10.4f}  {ours[-1][1]:>11.2f}  "
                  f"{peer['rmse']:>12.2f}", flush=True)
    mean_ours, mean_theirs = np.mean(ours, axis=0), np.mean(theirs, axis=0)
    print(f"mean  {mean_ours[0]:>9.4f}  {mean_theirs[0]:>10.4f}  {mean_ours[1]:>11.2f}  "
          f"{mean_theirs[1]:>12.2f}")
    gap = float(mean_ours[0] - mean_theirs[0])
    print(f"R² difference (nnzero - MLPRegressor): {gap:+.4f}")
    return {"nnzero_r2": float(mean_ours[0]), "sklearn_r2": float(mean_theirs[0]), "gap": gap}


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(0 if main() else 1)
