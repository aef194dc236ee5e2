"""Why the old ``make bench`` timed PyTorch's inference slower than a plain loop.

PyTorch's inference of the 10,000 test images in batches of 1,000 is timed
here in several ways, each in a fresh process, the ways taking turns over
``--rounds`` rounds, and printed side by side (median and fastest call):

- ``plain``: ``with torch.no_grad(): net(x)`` batch by batch, PyTorch alone
  in its process: what a user measures.
- ``harness``: the benchmark's ``TorchRunner.predict`` (``frameworks.py``),
  alone in its process, as ``make bench`` now runs each framework.
- ``old predict``: the method the old harness used, also alone.
- ``right after NumPy``: the plain loop, but in a process that also holds
  nnzero, each timed call right after nnzero predicted the same images, as
  in the old harness (all frameworks in one process, taking turns).
- the same with ``OPENBLAS_THREAD_TIMEOUT=4`` (OpenBLAS's idle workers go to
  sleep at once instead of spinning) and with a 0.5 s pause in between.

The last column is the CPU time that OpenBLAS's worker threads (NumPy's,
started when NumPy is imported) used *during* PyTorch's calls. After a
product OpenBLAS keeps its workers spinning, waiting for more work, for a
while (2**28 cycles by default, about a tenth of a second); a PyTorch call
made then shares the two cores with a spinning thread, and its two OpenMP
threads wait for each other at every barrier.

    python benchmarks/torch_inference_check.py [--rounds 5] [--repeats 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WAYS = {  # name: (in-process mode, extra environment)
    "plain": ("plain", {}),
    "harness": ("harness", {}),
    "old predict": ("old", {}),
    "right after NumPy": ("after", {}),
    "right after NumPy, OPENBLAS_THREAD_TIMEOUT=4": ("after", {"OPENBLAS_THREAD_TIMEOUT": "4"}),
    "0.5 s after NumPy": ("pause", {}),
}


def _ticks(tids) -> int:
    """CPU clock ticks (user + system) used so far by the threads ``tids``."""
    total = 0
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def old_predict(torch, net, x, batch_size):
    """The old harness's TorchRunner.predict, kept here to time it."""
    x = torch.from_numpy(x)
    out = torch.empty((len(x), net[-1].out_features))
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            stop = start + batch_size
            out[start:stop] = torch.softmax(net(x[start:stop]), dim=1)
    return out.numpy()


def measure(mode: str, threads: int, repeats: int, synthetic: int | None) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import numpy as np  # noqa: F401  (starts OpenBLAS's workers before PyTorch loads)

    blas_threads = set(os.listdir("/proc/self/task")) - {str(os.getpid())}
    import torch
    from common import load_data, set_threads
    from frameworks import make_runner
    from suite import CASES

    set_threads(threads)
    (x, y), (xt, _), _ = load_data(None, synthetic, quiet=True)
    torch_runner = make_runner("pytorch", CASES["1"], x[:6000], y[:6000])
    torch_runner.epoch()
    net, xt_t = torch_runner.net, torch.from_numpy(xt)

    def plain():
        with torch.no_grad():
            for start in range(0, len(xt_t), 1000):
                net(xt_t[start : start + 1000])

    call = {"harness": lambda: torch_runner.predict(xt, 1000),
            "old": lambda: old_predict(torch, net, xt, 1000)}.get(mode, plain)
    before = plain
    if mode in ("after", "pause"):
        nnzero = make_runner("nnzero", CASES["1"], x[:6000], y[:6000])
        nnzero.epoch()
        before = (lambda: nnzero.predict(xt, 1000)) if mode == "after" else \
            (lambda: (nnzero.predict(xt, 1000), time.sleep(0.5)))
    seconds, ticks = [], 0
    call()
    for _ in range(repeats):
        before()
        start_ticks, start = _ticks(blas_threads), time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
        ticks += _ticks(blas_threads) - start_ticks
    return {"seconds": seconds, "blas_ms": 1000 * ticks / os.sysconf("SC_CLK_TCK"),
            "torch_threads": torch.get_num_threads()}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--synthetic", type=int, metavar="N", help="synthetic data instead of MNIST")
    p.add_argument("--mode", help=argparse.SUPPRESS)  # a child: one way, in-process
    args = p.parse_args(argv)
    for name in ("rounds", "repeats", "threads", "synthetic"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name} must be at least 1; received {value}")
    if args.mode:
        print(json.dumps(measure(args.mode, args.threads, args.repeats, args.synthetic)))
        return
    results = {name: {"seconds": [], "blas_ms": 0.0} for name in WAYS}
    for r in range(args.rounds):
        names = list(WAYS)[r % len(WAYS):] + list(WAYS)[: r % len(WAYS)]
        for name in names:
            mode, env = WAYS[name]
            cmd = [sys.executable, os.path.abspath(__file__), "--mode", mode,
                   "--threads", str(args.threads), "--repeats", str(args.repeats)]
            cmd += ["--synthetic", str(args.synthetic)] if args.synthetic else []
            done = subprocess.run(cmd, capture_output=True, text=True, check=True,
                                  env={**os.environ, **env})
            got = json.loads(done.stdout.strip().splitlines()[-1])
            results[name]["seconds"] += got["seconds"]
            results[name]["blas_ms"] += got["blas_ms"]
    calls = args.rounds * args.repeats
    print(f"PyTorch inference, test set in batches of 1,000, {args.threads} threads; "
          f"{calls} calls per way ({args.rounds} rounds of {args.repeats}); "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| Way | Median (ms) | Fastest (ms) | OpenBLAS workers' CPU per call (ms) |")
    print("|---|---|---|---|")
    for name, got in results.items():
        s = got["seconds"]
        print(f"| {name} | {1000 * statistics.median(s):.1f} | {1000 * min(s):.1f} | "
              f"{got['blas_ms'] / calls:.1f} |")


if __name__ == "__main__":
    main()
