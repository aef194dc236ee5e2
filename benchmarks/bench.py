"""nnzero against PyTorch (CPU) and scikit-learn's MLPClassifier, side by side.

One run, same data, same thread count for every framework; repetitions
alternate between the frameworks, the first is a warm-up and the median of
the others is kept. Prints a markdown table of ratios (nnzero's time divided
by each peer's, and by the GEMM floor: the case's multiply-adds divided by
the machine's measured float32 GEMM peak) with the accuracy each reached.

Cases: 1 MNIST 784-128-64-10 ReLU/Adam/batch 128; 2 784-128-64-10 sigmoid,
per-sample SGD; 3 784-128-32-10 full-batch GD; 4 784-1000-10 SGD batch 32;
5 inference on the test set at batch 1000 and 1; 6 peak memory while training
case 1 (one child process per framework); ooc: case 1's network trained from
a memory-mapped file against the same data in memory.

    python benchmarks/bench.py             # the full run (make bench)
    python benchmarks/bench.py --quick     # a fast smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import load_average, load_data, parse_size, read_report, set_threads  # noqa: E402
from frameworks import FRAMEWORKS, make_runner, multiply_adds  # noqa: E402
from suite import CASES, Row, alternate, gemm_peak, inference_rows, train_case  # noqa: E402
from table import render  # noqa: E402

N_FEATURES = 784


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small subsets, one timed repetition: proves the script runs")
    p.add_argument("--cases", default="1,2,3,4,5,6,ooc",
                   help="comma-separated cases to run (default: all)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help="comma-separated subset of nnzero,pytorch,sklearn")
    p.add_argument("--repeats", type=int, help="timed repetitions after the warm-up (5)")
    p.add_argument("--threads", type=int, default=2, help="threads for every framework (2)")
    p.add_argument("--data-dir", help="directory of the MNIST IDX files")
    p.add_argument("--synthetic", type=int, metavar="N",
                   help="use N synthetic MNIST-shaped samples instead of MNIST")
    p.add_argument("--steps", type=int, help="single-sample steps timed per repetition in case 2")
    p.add_argument("--size", default="2G",
                   help="size of the memory-mapped file for ooc: 2G, 500M... or 2xram "
                        "(twice the machine's memory; the in-memory figure then uses "
                        "as much as fits in a quarter of it) (default 2G)")
    p.add_argument("--tmpdir", help="where to write the ooc file (default: the system's)")
    return p.parse_args(argv)


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


def blas() -> str:
    """NumPy's BLAS library and the kernel it runs on this processor."""
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    # Other packages (SciPy, PyTorch) may load BLAS libraries of their own.
    pools.sort(key=lambda p: "numpy" not in p.get("filepath", ""))
    if not pools:
        return "BLAS unknown"
    return f"{pools[0].get('internal_api')} {pools[0].get('version')}, " \
           f"{pools[0].get('architecture')} kernels"


def versions(frameworks) -> str:
    import nnzero

    parts = [f"nnzero {nnzero.__version__}", f"NumPy {np.__version__} ({blas()})"]
    if "pytorch" in frameworks:
        import torch

        parts.append(f"PyTorch {torch.__version__}")
    if "sklearn" in frameworks:
        import sklearn

        parts.append(f"scikit-learn {sklearn.__version__}")
    return ", ".join(parts)


def start_child(*args) -> subprocess.Popen:
    cmd = [sys.executable, os.path.join(HERE, "child.py"), *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_child(process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"{' '.join(process.args)} failed:\n{out}\n{err}")
    return read_report(out)


def child(*args) -> dict:
    return finish_child(start_child(*args))


def memory_row(args, frameworks) -> Row:
    """Case 6: peak RSS of a process training case 1 with one framework. The
    processes run side by side: a peak of memory does not depend on speed."""
    data = ["--synthetic", args.synthetic] if args.synthetic else []
    data += ["--data-dir", args.data_dir] if args.data_dir else []
    epochs = 1 if args.quick else 2
    running = {f: start_child("train", "--framework", f, "--threads", args.threads,
                              "--epochs", epochs, *data) for f in frameworks}
    rss = {f: finish_child(p)["peak_rss_mb"] for f, p in running.items()}
    return Row("6. Peak memory training case 1 (MB)", "MB", rss)


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


def out_of_core(args) -> dict:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    size = 2 * ram if args.size == "2xram" else parse_size(args.size)
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


def main(argv=None) -> None:
    args = parse_args(argv)
    frameworks = [f for f in args.frameworks.split(",") if f]
    cases = [c for c in args.cases.split(",") if c]
    repeats = args.repeats or (1 if args.quick else 5)
    load_start, began = load_average(), time.perf_counter()
    # The child processes run first, while this process is still small: a
    # child's ru_maxrss starts from its parent's peak at the fork.
    memory = memory_row(args, frameworks) if "6" in cases else None
    ooc = out_of_core(args) if "ooc" in cases else None
    if "pytorch" in frameworks:
        import torch  # noqa: F401  (loaded first so the thread limits reach its pools)
    set_threads(args.threads)
    (x, y), (xt, yt), source = load_data(args.data_dir, args.synthetic)
    if args.quick:
        x, y, xt, yt = x[:2000], y[:2000], xt[:500], yt[:500]
    peak = gemm_peak(128 if args.quick else 2048, 2 if args.quick else 10, frameworks,
                     args.threads)
    steps = args.steps or (20 if args.quick else 5000)

    rows, trained = [], []
    for key in ("1", "2", "3", "4"):
        if key in cases:
            case = CASES[key]
            if key == "2":
                case = type(case)(**{**case.__dict__, "n_train": steps})
            keep = trained if key == "1" else None
            rows.append(train_case(case, ((x, y), (xt, yt)), frameworks, repeats, peak, keep))
            print(f"case {key} done after {time.perf_counter() - began:.0f} s", file=sys.stderr,
                  flush=True)
    if "5" in cases:
        runners = trained
        if not runners:  # case 5 alone: train case 1's networks for one epoch
            runners = [make_runner(f, CASES["1"], x, y) for f in frameworks]
            alternate(runners, 0, lambda r: r.epoch())
        rows.extend(inference_rows(runners, CASES["1"], xt, yt, repeats, peak))
    if memory is not None:
        rows.append(memory)

    header = {
        "machine": machine(),
        "software": versions(frameworks),
        "threads": args.threads,
        "data": source + (" (quick: first 2000/500)" if args.quick else ""),
        "gemm_peak": peak,
        "load": f"{load_start} at start, {load_average()} at end (1, 5, 15 min)",
        "command": "python benchmarks/bench.py " + " ".join(argv or sys.argv[1:]),
        "flops_case1": 2.0 * multiply_adds(CASES["1"].layer_sizes(N_FEATURES, 10), len(x)),
    }
    print(render(header, rows, frameworks, ooc))


if __name__ == "__main__":
    main()
