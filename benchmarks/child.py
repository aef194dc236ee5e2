"""Child processes of the benchmark: one framework each.

``cases``: one framework through the chosen cases, in a process of its own,
so that no other framework's libraries are loaded beside it and no other
framework's threads are still spinning when it starts (OpenBLAS's workers
keep a core busy for a while after each product: in one shared process they
slowed whichever framework ran next; see torch_inference_check.py). Reports
the seconds of every timed repetition of each case, the GEMM replay's beside
nnzero's, the accuracy reached, and the peak memory of training case 1.

``outofcore``: train case 1's network on a float32 file of samples, either
memory-mapped (``numpy.memmap``) or read into memory first; report the
samples per second of each epoch and the peak RSS.

Run by ``bench.py``; each prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from functools import partial

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import MemoryWatch, load_data, peak_rss_mb, report, set_threads  # noqa: E402
from frameworks import FRAMEWORKS, NUMBA, make_runner  # noqa: E402
from replay import replay_of  # noqa: E402
from suite import CASES, INFERENCE_BATCHES, QUICK_TEST, QUICK_TRAIN, case_for  # noqa: E402


def blas() -> str:
    """NumPy's BLAS library and the kernel it runs on this processor."""
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    # Other packages (SciPy) may load BLAS libraries of their own.
    pools.sort(key=lambda p: "numpy" not in p.get("filepath", ""))
    if not pools:
        return "BLAS unknown"
    return f"{pools[0].get('internal_api')} {pools[0].get('version')}, " \
           f"{pools[0].get('architecture')} kernels"


def version(framework: str) -> str:
    if framework == "nnzero":
        import nnzero

        return f"nnzero {nnzero.__version__}, NumPy {np.__version__} ({blas()})"
    if framework == NUMBA:
        import numba

        return f"numba {numba.__version__} (nnzero's optional kernels)"
    if framework == "pytorch":
        import torch

        return f"PyTorch {torch.__version__}"
    if framework == "sklearn":
        import sklearn

        return f"scikit-learn {sklearn.__version__}"
    import jax
    import jaxlib
    import optax

    return f"JAX {jax.__version__} (jaxlib {jaxlib.__version__}, optax {optax.__version__})"


def check_kernels(framework: str) -> None:
    """Stop unless nnzero's compiled kernels are off for "nnzero" and on for
    "nnzero-numba" (bench.py sets NNZERO_KERNELS for each child)."""
    import nnzero as nz

    on = nz.optimizers.SGD(0.1).uses_compiled_kernel()
    if on != (framework == NUMBA):
        state = "on" if on else "off"
        raise SystemExit(f"{framework}: nnzero's compiled kernels are {state} "
                         f"(NNZERO_KERNELS={os.environ.get('NNZERO_KERNELS')!r})")


def timed(work, repeats: int, make_replay=None) -> tuple[list[float], list[float]]:
    """Seconds of ``repeats`` calls of ``work`` after a warm-up call (JAX
    compiles then; caches fill). ``make_replay``, when given, is called after
    the warm-up (the model is built by then) for the replay to time, one call
    of it after each call of ``work``."""
    work()
    jobs = [work]
    if make_replay is not None:
        jobs.append(make_replay())
        jobs[1]()
    seconds: list[list[float]] = [[] for _ in jobs]
    for _ in range(repeats):
        for job, out in zip(jobs, seconds, strict=True):
            gc.collect()
            start = time.perf_counter()
            job()
            out.append(time.perf_counter() - start)
    return seconds[0], seconds[1] if make_replay is not None else []


def cases(args) -> None:
    if args.framework == "pytorch":
        import torch  # noqa: F401  (imported before the thread limit so it applies)
    threads = set_threads(args.threads)
    if args.framework in ("nnzero", NUMBA):
        check_kernels(args.framework)
    (x, y), (xt, yt), source = load_data(args.data_dir, args.synthetic, quiet=True)
    if args.quick:
        x, y, xt, yt = x[:QUICK_TRAIN], y[:QUICK_TRAIN], xt[:QUICK_TEST], yt[:QUICK_TEST]
        source += f" (quick: the first {len(x)} and {len(xt)})"
    keys = args.cases.split(",")
    nnzero = args.framework == "nnzero"
    result = {"framework": args.framework, "version": version(args.framework),
              "threads": threads, "data": source, "n_test": len(xt),
              "times": {}, "replay": {}, "accuracy": {}}
    first = None
    if "6" in keys or "1" in keys or "5" in keys:
        # Case 1's network, trained for one epoch (its warm-up), is both the
        # memory figure and the network that case 5 times at inference.
        watch = MemoryWatch()
        gc.collect()
        watch.start()
        first = make_runner(args.framework, CASES["1"], x, y)
        first.epoch()
        if "6" in keys:
            result["memory"] = watch.stop()
    for key in ("1", "2", "3", "4"):
        if key not in keys:
            continue
        case = case_for(key, args.steps)
        xs, ys = (x[: case.n_train], y[: case.n_train]) if case.n_train else (x, y)
        runner = first if key == "1" else make_runner(args.framework, case, xs, ys)
        replay = None
        if nnzero:
            replay = partial(replay_of, runner.model, len(xs), case.batch_size or len(xs))
        work, more = timed(runner.epoch, args.repeats, replay)
        result["times"][key], result["replay"][key] = work, more
        result["accuracy"][key] = runner.accuracy(xt, yt)
        del runner
    # Inference is the same jitted function in both JAX forms: timed once.
    if "5" in keys and args.framework != "jax-scan":
        for batch in INFERENCE_BATCHES:
            replay = None
            if nnzero:
                replay = partial(replay_of, first.model, len(xt), batch, backward=False)
            key = f"5/{batch}"
            work, more = timed(lambda b=batch: first.predict(xt, b), args.repeats, replay)
            result["times"][key], result["replay"][key] = work, more
        result["accuracy"]["5"] = first.accuracy(xt, yt)
    report(result)


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("cases")
    p.add_argument("--framework", required=True, choices=FRAMEWORKS)
    p.add_argument("--cases", required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-dir")
    p.add_argument("--synthetic", type=int)
    p.add_argument("--quick", action="store_true")
    p.set_defaults(run=cases)
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
