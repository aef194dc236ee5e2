"""Child processes of the benchmark, one framework each, so that each peak
resident set size (``ru_maxrss``) counts only that framework's own work.

``train``: train case 1 for some epochs; report the peak RSS.
``outofcore``: train case 1's network on a float32 file of samples, either
memory-mapped (``numpy.memmap``) or read into memory first; report the
samples per second of each epoch and the peak RSS.

Run by ``bench.py``; each prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import load_data, peak_rss_mb, report, set_threads  # noqa: E402
from frameworks import make_runner  # noqa: E402
from suite import CASES  # noqa: E402


def train(args) -> None:
    if args.framework == "pytorch":
        import torch  # noqa: F401  (imported before the thread limit so it applies)
    set_threads(args.threads)
    (x, y), _, _ = load_data(args.data_dir, args.synthetic)
    runner = make_runner(args.framework, CASES["1"], x, y)
    for _ in range(args.epochs):
        runner.epoch()
    report({"framework": args.framework, "peak_rss_mb": peak_rss_mb()})


def outofcore(args) -> None:
    set_threads(args.threads)
    import nnzero as nz

    n_features = 784
    rows = os.path.getsize(args.file) // (4 * n_features)
    y = np.fromfile(args.labels, dtype=np.int64, count=rows)
    if args.mode == "memmap":
        x = np.memmap(args.file, dtype=np.float32, mode="r", shape=(rows, n_features))
    else:
        x = np.fromfile(args.file, dtype=np.float32).reshape(rows, n_features)
    case = CASES["1"]
    model = nz.Sequential(
        [nz.layers.Dense(h, activation=case.activation) for h in case.hidden]
        + [nz.layers.Dense(10, activation="softmax")],
        seed=0,
    )
    model.compile(optimizer=nz.optimizers.Adam(case.learning_rate),
                  loss="sparse_categorical_crossentropy")
    rates = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=case.batch_size, verbose=0)
        rates.append(rows / (time.perf_counter() - start))
    report({"mode": args.mode, "rows": rows, "samples_per_s": rates,
            "peak_rss_mb": peak_rss_mb()})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train")
    p.add_argument("--framework", required=True, choices=("nnzero", "pytorch", "sklearn"))
    p.add_argument("--data-dir")
    p.add_argument("--synthetic", type=int)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=train)
    p = sub.add_parser("outofcore")
    p.add_argument("--file", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--mode", required=True, choices=("memmap", "memory"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=outofcore)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
