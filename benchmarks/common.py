"""What the benchmark's driver and its child processes share: data, threads,
memory readings, sizes and the way a child reports back."""

from __future__ import annotations

import json
import os
import re
import resource
import sys

import numpy as np

RESULT_PREFIX = "RESULT "


def set_threads(n: int) -> str:
    """Give every framework in this process ``n`` threads; say how.

    Every pool that threadpoolctl knows (OpenBLAS, MKL, OpenMP) is limited to
    ``n``, and PyTorch's own count is set when it is loaded. XLA (JAX) has no
    such setting: its CPU thread pool is as large as the number of processors
    the process may run on, so where ``n`` is below that count the process is
    pinned to ``n`` processors, before JAX is imported (the child processes
    call this first). On a machine of ``n`` processors nothing is pinned.
    """
    from threadpoolctl import threadpool_limits

    how = f"{n} thread{'s' * (n != 1)}"
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if allowed and n < len(allowed):
        # Every thread already started (OpenBLAS starts its own when NumPy is
        # imported) as well as those to come, which inherit the caller's.
        for tid in os.listdir("/proc/self/task"):
            try:
                os.sched_setaffinity(int(tid), allowed[:n])
            except OSError:  # a thread that ended meanwhile
                pass
        how += f", pinned to processors {allowed[:n]}"
    # Kept alive for the whole process: the limit holds while the object lives.
    set_threads.limiter = threadpool_limits(limits=n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    return how


def synthetic(n_train: int, n_test: int, n_features: int = 784, seed: int = 0):
    """MNIST-shaped float32 data with labels a linear teacher can learn."""
    rng = np.random.default_rng(seed)
    teacher = rng.normal(size=(n_features, 10)).astype(np.float32)

    def draw(n):
        x = rng.random((n, n_features), dtype=np.float32)
        return x, np.argmax(x @ teacher, axis=1).astype(np.int64)

    return draw(n_train), draw(n_test)


def load_data(data_dir: str | None, synthetic_n: int | None, quiet: bool = False):
    """``((x, y), (x_test, y_test), description)``: MNIST, or synthetic data
    when ``synthetic_n`` is given or MNIST cannot be found."""
    if synthetic_n:
        train, test = synthetic(synthetic_n, max(synthetic_n // 5, 100))
        return train, test, f"synthetic ({synthetic_n} samples, 784 features)"
    from nnzero.datasets import load_mnist
    from nnzero.errors import DatasetNotFoundError

    try:
        train, test = load_mnist(data_dir=data_dir, download=False)
    except DatasetNotFoundError as err:
        if not quiet:
            first = str(err).splitlines()[0]
            print(f"MNIST not found ({first}); using synthetic data instead.", file=sys.stderr)
        train, test = synthetic(60000, 10000)
        return train, test, "synthetic (60000 samples, 784 features)"
    return train, test, "MNIST (60000 training, 10000 test images)"


def parse_size(text: str) -> int:
    """``"2G"``, ``"500M"``, ``"64k"`` or a number of bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not match:
        raise ValueError(f"size must look like 2G, 500M or 64k. Received: {text!r}")
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class MemoryWatch:
    """Peak resident set size of this process from now on, above what it holds now.

    ``start()`` reads the current RSS (the baseline: interpreter, framework,
    data) and resets the kernel's high-water mark (``VmHWM``, by writing 5 to
    ``/proc/self/clear_refs``), so that the peak read by ``stop()`` covers
    only what happened since: a framework's model, optimizer state and
    training buffers. Where the mark cannot be reset, the peak is the
    process's lifetime peak (``ru_maxrss``) and ``reset`` says so.
    """

    def start(self) -> None:
        self.baseline = _status_mb("VmRSS") or 0.0
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.reset = True
        except OSError:
            self.reset = False

    def stop(self) -> dict:
        peak = (_status_mb("VmHWM") if self.reset else None) or peak_rss_mb()
        return {"baseline_mb": self.baseline, "peak_mb": peak,
                "above_baseline_mb": peak - self.baseline, "reset": self.reset}


def report(result: dict) -> None:
    """A child's one line of results for the driver to read."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def read_report(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(f"the child process reported nothing:\n{stdout}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"
