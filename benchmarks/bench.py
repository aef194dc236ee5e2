"""nnzero against PyTorch (CPU), scikit-learn's MLPClassifier and JAX (CPU).

nnzero runs twice: as installed by default ("nnzero": NumPy alone, its child
started with NNZERO_KERNELS=numpy), and with the optional numba extra's
compiled kernels ("nnzero-numba", when numba is installed). Every ratio of
the main table starts from the first; the second has a table of its own.

The whole comparison runs ``--rounds`` times (3). In each round every
framework runs the cases in a child process of its own (``child.py``), one
framework after the other, the order rotating between rounds; within a child
each case is run once to warm up and timed ``--repeats`` times (3), the
median kept. The table gives, per case, each framework's median over the
rounds and the median and range over the rounds of nnzero's figure divided
by each peer's, beside the GEMM replay (the case's matrix products alone,
replay.py) and the accuracy each reached. Every framework uses the same
float32 data, network, loss, optimizer, batch size and thread count.

Cases: 1 MNIST 784-128-64-10 ReLU/Adam/batch 128; 2 784-128-64-10 sigmoid,
per-sample SGD; 3 784-128-32-10 full-batch GD; 4 784-1000-10 SGD batch 32;
5 inference on the test set at batch 1000 and 1; 6 peak memory while training
case 1; ooc: case 1's network trained by nnzero from a memory-mapped file
against the same data in memory (once, not per round).

    python benchmarks/bench.py             # the full run (make bench)
    python benchmarks/bench.py --quick     # a fast smoke run
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import load_average, parse_size, read_report  # noqa: E402
from frameworks import FRAMEWORKS, JAX_FORMS, NUMBA, kernels_environment  # noqa: E402
from suite import CASE_KEYS, QUICK_STEPS, STEPS, build_rows  # noqa: E402
from table import render  # noqa: E402

N_FEATURES = 784
JAX_MISSING = "JAX is not installed (pip install -e '.[bench]' installs jax, jaxlib and optax)"
NUMBA_MISSING = "numba is not installed (pip install -e '.[numba]' installs it)"


def jax_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("jax", "jaxlib", "optax"))


def numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def available(framework: str) -> bool:
    if framework in JAX_FORMS:
        return jax_installed()
    return numba_installed() if framework == NUMBA else True


def _split(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small subsets, one round of one timed repetition: proves the "
                        "script runs")
    p.add_argument("--rounds", type=int,
                   help="times the whole comparison runs, the order of the frameworks "
                        "rotating (3; 1 with --quick)")
    p.add_argument("--repeats", type=int,
                   help="timed repetitions of each case in a round, after a warm-up "
                        "(3; 1 with --quick)")
    p.add_argument("--cases", default=",".join(CASE_KEYS),
                   help="comma-separated cases to run (default: all)")
    p.add_argument("--frameworks",
                   help=f"comma-separated subset of {','.join(FRAMEWORKS)}; must include "
                        "nnzero (default: all; the JAX forms only when JAX is installed)")
    p.add_argument("--threads", type=int, default=2, help="threads for every framework (2)")
    p.add_argument("--data-dir", help="directory of the MNIST IDX files")
    p.add_argument("--synthetic", type=int, metavar="N",
                   help="use N synthetic MNIST-shaped samples instead of MNIST")
    p.add_argument("--steps", type=int,
                   help=f"single-sample steps timed per repetition in case 2 ({STEPS})")
    p.add_argument("--size", default="2G",
                   help="size of the memory-mapped file for ooc: 2G, 500M... or 2xram "
                        "(twice the machine's memory; the in-memory figure then uses "
                        "as much as fits in a quarter of it) (default 2G)")
    p.add_argument("--tmpdir", help="where to write the ooc file (default: the system's)")
    args = p.parse_args(argv)
    for name in ("rounds", "repeats", "threads", "steps", "synthetic"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name} must be at least 1; received {value}")
    args.cases = _split(args.cases)
    unknown = [c for c in args.cases if c not in CASE_KEYS]
    if unknown or not args.cases:
        p.error(f"--cases: unknown case(s) {','.join(unknown) or '(none given)'}; "
                f"choose from {','.join(CASE_KEYS)}")
    if args.frameworks is None:
        args.frameworks = [f for f in FRAMEWORKS if available(f)]
        if not jax_installed():
            print(f"{JAX_MISSING}; the JAX forms are left out.", file=sys.stderr)
        if not numba_installed():
            print(f"{NUMBA_MISSING}; {NUMBA} is left out.", file=sys.stderr)
    else:
        args.frameworks = _split(args.frameworks)
        unknown = [f for f in args.frameworks if f not in FRAMEWORKS]
        if unknown:
            p.error(f"--frameworks: unknown framework(s) {','.join(unknown)}; "
                    f"choose from {','.join(FRAMEWORKS)}")
        if "nnzero" not in args.frameworks:
            p.error("--frameworks must include nnzero: every ratio is nnzero's figure "
                    "over a peer's")
        if any(f in JAX_FORMS for f in args.frameworks) and not jax_installed():
            p.error(f"--frameworks asks for JAX, but {JAX_MISSING}")
        if NUMBA in args.frameworks and not numba_installed():
            p.error(f"--frameworks asks for {NUMBA}, but {NUMBA_MISSING}")
    try:
        args.size_bytes = None if args.size == "2xram" else parse_size(args.size)
    except ValueError as err:
        p.error(f"--size: {err}")
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.steps = args.steps or (QUICK_STEPS if args.quick else STEPS)
    return args


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        model = f"{names[0]}, {len(names)} logical CPUs" if names else model
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}"




def write_dataset(path: str, labels: str, n_bytes: int) -> int:
    """Synthetic float32 samples of 784 features, written in chunks so the
    writer never holds more than a few megabytes."""
    rows = max(n_bytes // (4 * N_FEATURES), 256)
    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(N_FEATURES, 10)).astype(np.float32)
    with open(path, "wb") as fx, open(labels, "wb") as fy:
        for start in range(0, rows, 8192):
            x = rng.random((min(8192, rows - start), N_FEATURES), dtype=np.float32)
            x.tofile(fx)
            np.argmax(x @ teacher, axis=1).astype(np.int64).tofile(fy)
    return rows


def child(*args, framework: str = "nnzero") -> dict:
    cmd = [sys.executable, os.path.join(HERE, "child.py"), *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env=kernels_environment(framework, os.environ))
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return read_report(done.stdout)


def out_of_core(args) -> dict:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    size = 2 * ram if args.size_bytes is None else args.size_bytes
    directory = tempfile.mkdtemp(prefix="nnzero-bench-", dir=args.tmpdir)
    try:
        path, labels = os.path.join(directory, "x.f32"), os.path.join(directory, "y.i64")
        start = time.perf_counter()
        rows = write_dataset(path, labels, size)
        written = time.perf_counter() - start
        epochs = 2 if args.quick else 3
        mapped = child("outofcore", "--mode", "memmap", "--file", path, "--labels", labels,
                       "--epochs", epochs, "--threads", args.threads)
        if size > ram // 4:
            # The in-memory figure needs the data and its shuffled copy in RAM.
            in_rows = ram // 4 // (4 * N_FEATURES)
            small = os.path.join(directory, "x-small.f32")
            with open(path, "rb") as src, open(small, "wb") as dst:
                shutil.copyfileobj(src, dst, length=in_rows * 4 * N_FEATURES)
            path = small
        memory = child("outofcore", "--mode", "memory", "--file", path, "--labels", labels,
                       "--epochs", epochs, "--threads", args.threads)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"size": size, "rows": rows, "write_s": written, "memmap": mapped, "memory": memory}


def run_rounds(args, began: float) -> tuple[list[dict], list[list[str]]]:
    """Every framework's child, round after round; round r starts with the
    r-th framework, so each takes every place in the order in turn."""
    cases = [c for c in args.cases if c != "ooc"]
    data = ["--synthetic", args.synthetic] if args.synthetic else []
    data += ["--data-dir", args.data_dir] if args.data_dir else []
    data += ["--quick"] if args.quick else []
    frameworks, rounds, orders = args.frameworks, [], []
    for r in range(args.rounds):
        shift = r % len(frameworks)
        order = frameworks[shift:] + frameworks[:shift]
        results = {}
        for framework in order:
            results[framework] = child(
                "cases", "--framework", framework, "--cases", ",".join(cases),
                "--repeats", args.repeats, "--steps", args.steps, "--threads", args.threads,
                *data, framework=framework)
            # Each child's medians as it ends: a run stopped early still says something.
            got = results[framework]
            medians = ", ".join(f"{key} {1000 * statistics.median(seconds):,.1f} ms"
                                for key, seconds in got["times"].items())
            memory = got.get("memory", {}).get("above_baseline_mb")
            memory = f", memory {memory:,.0f} MB above baseline" if memory is not None else ""
            print(f"round {r + 1}/{args.rounds}: {framework} done after "
                  f"{time.perf_counter() - began:.0f} s ({medians}{memory})",
                  file=sys.stderr, flush=True)
        rounds.append(results)
        orders.append(order)
    return rounds, orders


def main(argv=None) -> None:
    args = parse_args(argv)
    load_start, began = load_average(), time.perf_counter()
    rounds, orders, rows = [], [], []
    if any(c != "ooc" for c in args.cases):
        rounds, orders = run_rounds(args, began)
        first = rounds[0]["nnzero"]
        rows = build_rows(rounds, args.cases, args.steps, first["n_test"])
    ooc = out_of_core(args) if "ooc" in args.cases else None
    # Both JAX forms report the same versions: each line once.
    software = list(dict.fromkeys(rounds[0][f]["version"] for f in args.frameworks)) \
        if rounds else []
    threads = rounds[0]["nnzero"]["threads"] if rounds else f"{args.threads} threads"
    header = {
        "machine": machine(),
        "software": "; ".join(software) or "nnzero alone (out of core)",
        "threads": threads,
        "data": rounds[0]["nnzero"]["data"] if rounds else "synthetic (out of core)",
        "rounds": args.rounds,
        "repeats": args.repeats,
        "orders": " | ".join(", ".join(order) for order in orders) or "—",
        "load": f"{load_start} at start, {load_average()} at end (1, 5, 15 min)",
        "command": "python benchmarks/bench.py " + " ".join(argv or sys.argv[1:]),
    }
    print(render(header, rows, args.frameworks, ooc))


if __name__ == "__main__":
    main()
