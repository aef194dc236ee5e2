"""The timed cases: each framework in turn, repetitions alternating, the
first (warm-up) repetition dropped and the median of the rest kept."""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
from frameworks import Case, make_runner, multiply_adds

CASES = {
    "1": Case("1", "MNIST 784-128-64-10 ReLU, Adam, batch 128", (128, 64), "relu", "adam",
              1e-3, 128),
    "2": Case("2", "784-128-64-10 sigmoid, per-sample SGD", (128, 64), "sigmoid", "sgd",
              1e-2, 1),
    "3": Case("3", "784-128-32-10 ReLU, full-batch GD", (128, 32), "relu", "sgd", 0.5, None),
    "4": Case("4", "784-1000-10 ReLU, SGD, batch 32", (1000,), "relu", "sgd", 1e-2, 32),
}


@dataclass
class Row:
    """One line of the table: seconds per unit of work for each framework."""

    label: str
    unit: str  # "s/epoch", "steps/s" or "s"
    seconds: dict[str, float]
    floor: float | None = None  # GEMM floor, seconds per unit of work
    accuracy: dict[str, float] = field(default_factory=dict)
    per_unit: int = 1  # steps per unit of work, for rates

    def shown(self, framework: str) -> str:
        s = self.seconds.get(framework)
        if s is None:
            return "n/a"
        if self.unit == "steps/s":
            return f"{self.per_unit / s:,.0f}"
        return f"{s:.3f}" if s < 10 else f"{s:.1f}"


def alternate(runners, repeats: int, work) -> dict[str, float]:
    """Median seconds of ``work(runner)`` per runner over ``repeats``
    repetitions, after one warm-up; the order rotates every repetition so
    that no framework always runs first or after the same neighbour."""
    times: dict[str, list[float]] = {r.name: [] for r in runners}
    # Everything alive now (the frameworks' own objects) is set aside, so that
    # the collection before each run only walks what the runs made.
    gc.collect()
    gc.freeze()
    for rep in range(repeats + 1):
        shift = rep % len(runners)
        for runner in runners[shift:] + runners[:shift]:
            gc.collect()
            start = time.perf_counter()
            work(runner)
            elapsed = time.perf_counter() - start
            if rep:
                times[runner.name].append(elapsed)
    return {name: statistics.median(ts) for name, ts in times.items()}


def gemm_peak(n: int, repeats: int, frameworks, threads: int) -> float:
    """Best float32 GEMM rate (FLOP/s) of an ``n x n`` product, through NumPy's
    BLAS and, when it runs, PyTorch's, on ``threads`` threads or on one
    (whichever is faster: on a busy machine one thread can win)."""
    from threadpoolctl import threadpool_limits

    best = 0.0
    for count in sorted({threads, 1}, reverse=True):
        with threadpool_limits(limits=count):
            if "pytorch" in frameworks:
                import torch

                torch.set_num_threads(count)
            best = max(best, _gemm_rate(n, repeats, frameworks))
    if "pytorch" in frameworks:
        torch.set_num_threads(threads)
    return best


def _gemm_rate(n: int, repeats: int, frameworks) -> float:
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.empty_like(a)
    products = [lambda: np.matmul(a, b, out=c)]
    if "pytorch" in frameworks:
        import torch

        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
        products.append(lambda: torch.mm(ta, tb, out=tc))
    best = float("inf")
    for product in products:
        product()
        for _ in range(repeats):
            start = time.perf_counter()
            product()
            best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best


def train_case(case: Case, data, frameworks, repeats: int, peak: float, keep=None) -> Row:
    """Seconds per epoch (or per pass of ``n_train`` single-sample steps)."""
    (x, y), (xt, yt) = data
    if case.n_train:
        x, y = x[: case.n_train], y[: case.n_train]
    runners = [make_runner(f, case, x, y) for f in frameworks]
    seconds = alternate(runners, repeats, lambda r: r.epoch())
    sizes = case.layer_sizes(x.shape[1], int(y.max()) + 1)
    per_sample = case.batch_size == 1
    row = Row(
        label=f"{case.key}. {case.title}",
        unit="steps/s" if per_sample else "s/epoch",
        seconds=seconds,
        floor=2.0 * multiply_adds(sizes, len(x)) / peak,
        accuracy={r.name: r.accuracy(xt, yt) for r in runners},
        per_unit=len(x),
    )
    if keep is not None:
        keep.extend(runners)
    return row


def inference_rows(runners, case: Case, x_test, y_test, repeats: int, peak: float) -> list[Row]:
    """Case 5: class probabilities for the test set at batch 1000 and batch 1,
    from the networks trained for ``case``."""
    sizes = case.layer_sizes(x_test.shape[1], int(y_test.max()) + 1)
    floor = 2.0 * multiply_adds(sizes, len(x_test), backward=False) / peak
    accuracy = {r.name: r.accuracy(x_test, y_test) for r in runners}
    rows = []
    for batch in (1000, 1):
        seconds = alternate(runners, repeats, lambda r, b=batch: r.predict(x_test, b))
        label = f"5. Inference, {len(x_test):,} test images, batch {batch}"
        rows.append(Row(label, "s", seconds, floor, accuracy))
    return rows
