"""What the benchmark's driver and its child processes share: data, threads,
sizes and the way a child reports back."""

from __future__ import annotations

import json
import os
import re
import resource
import sys

import numpy as np

RESULT_PREFIX = "RESULT "


def set_threads(n: int) -> None:
    """Fix every thread pool (OpenBLAS, OpenMP, PyTorch's) at ``n`` threads."""
    from threadpoolctl import threadpool_limits

    # Kept alive for the whole process: the limit holds while the object lives.
    set_threads.limiter = threadpool_limits(limits=n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def synthetic(n_train: int, n_test: int, n_features: int = 784, seed: int = 0):
    """MNIST-shaped float32 data with labels a linear teacher can learn."""
    rng = np.random.default_rng(seed)
    teacher = rng.normal(size=(n_features, 10)).astype(np.float32)

    def draw(n):
        x = rng.random((n, n_features), dtype=np.float32)
        return x, np.argmax(x @ teacher, axis=1).astype(np.int64)

    return draw(n_train), draw(n_test)


def load_data(data_dir: str | None, synthetic_n: int | None):
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
