"""The cases, and the rows of the table built from the rounds' results.

Each round runs every framework once, each in its own child process
(``child.py cases``); a child times each case ``repeats`` times after a
warm-up and the round keeps the median. A ratio is computed within a round
(nnzero's figure over the peer's, both from that round) and the table gives
the median of the rounds' ratios and their range.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from frameworks import NUMBA, OURS, Case

CASES = {
    "1": Case("1", "MNIST 784-128-64-10 ReLU, Adam, batch 128", (128, 64), "relu", "adam",
              1e-3, 128),
    "2": Case("2", "784-128-64-10 sigmoid, per-sample SGD", (128, 64), "sigmoid", "sgd",
              1e-2, 1),
    "3": Case("3", "784-128-32-10 ReLU, full-batch GD", (128, 32), "relu", "sgd", 0.5, None),
    "4": Case("4", "784-1000-10 ReLU, SGD, batch 32", (1000,), "relu", "sgd", 1e-2, 32),
}
# Case keys the command line accepts; 5 is inference, 6 peak memory, ooc out of core.
CASE_KEYS = ("1", "2", "3", "4", "5", "6", "ooc")
INFERENCE_BATCHES = (1000, 1)
QUICK_TRAIN, QUICK_TEST = 2000, 500  # --quick: the first samples of each set
STEPS, QUICK_STEPS = 5000, 20  # case 2: single-sample steps per timed pass


def case_for(key: str, steps: int) -> Case:
    """Case ``key``; case 2 trains on its first ``steps`` samples."""
    return replace(CASES[key], n_train=steps) if key == "2" else CASES[key]


@dataclass
class Row:
    """One line of the table.

    ``values`` holds each framework's figure (the median over rounds of the
    round's median), in seconds per unit of work or in MB; ``ratios`` holds,
    per peer, the median, smallest and largest over rounds of nnzero's figure
    divided by the peer's; ``"replay"`` is the GEMM replay. ``numba_ratios``
    holds the same for nnzero with the numba extra ("nnzero-numba"), over
    the peers, the replay and ``"nnzero"`` (what the extra buys).
    """

    key: str
    label: str
    unit: str  # "s/epoch", "steps/s", "s" or "MB"
    values: dict[str, float]
    ratios: dict[str, tuple[float, float, float]]
    accuracy: dict[str, float] = field(default_factory=dict)
    per_unit: int = 1  # steps per unit of work, for rates
    numba_ratios: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def shown(self, name: str) -> str:
        s = self.values.get(name)
        if s is None:
            return "—"
        if self.unit == "steps/s":
            return f"{self.per_unit / s:,.0f}"
        if self.unit == "MB":
            return f"{s:,.0f}"
        return f"{s:.3f}" if s < 10 else f"{s:.1f}"


def _spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def _ratios(per_round, ours: str, others) -> dict:
    """Per framework in ``others``: the spread over rounds of ``ours`` ÷ it."""
    ratios = {}
    for name in others:
        both = [r[ours] / r[name] for r in per_round if ours in r and name in r]
        if both:
            ratios[name] = _spread(both)
    return ratios


def _row(key, label, unit, per_round, accuracy, per_unit=1) -> Row:
    """``per_round``: one ``{name: figure}`` per round."""
    names = {name for figures in per_round for name in figures}
    values = {n: statistics.median([r[n] for r in per_round if n in r]) for n in names}
    ratios = _ratios(per_round, "nnzero", names - set(OURS))
    numba = _ratios(per_round, NUMBA, names - {NUMBA})
    return Row(key, label, unit, values, ratios, accuracy, per_unit, numba)


def build_rows(rounds: list[dict], cases: list[str], steps: int, n_test: int) -> list[Row]:
    """The table's rows from ``rounds``: per round, ``{framework: child result}``."""
    rows = []
    first = rounds[0]
    keys = [k for k in ("1", "2", "3", "4") if k in cases]
    keys += [f"5/{b}" for b in INFERENCE_BATCHES] if "5" in cases else []
    for key in keys:
        per_round = []
        for results in rounds:
            figures = {f: statistics.median(r["times"][key])
                       for f, r in results.items() if key in r["times"]}
            nnzero = results.get("nnzero", {}).get("replay", {}).get(key)
            if nnzero:
                figures["replay"] = statistics.median(nnzero)
            per_round.append(figures)
        if key.startswith("5/"):
            label = f"5. Inference, {n_test:,} test images, batch {key[2:]}"
            accuracy = {f: r["accuracy"]["5"] for f, r in first.items() if "5" in r["accuracy"]}
            rows.append(_row(key, label, "s", per_round, accuracy))
            continue
        case = case_for(key, steps)
        accuracy = {f: r["accuracy"][key] for f, r in first.items() if key in r["accuracy"]}
        per_sample = case.batch_size == 1
        rows.append(_row(key, f"{key}. {case.title}", "steps/s" if per_sample else "s/epoch",
                         per_round, accuracy, per_unit=steps))
    if "6" in cases:
        for field_name, label in (
            ("above_baseline_mb", "6. Memory training case 1, peak above the child's baseline"),
            ("peak_mb", "6. Memory training case 1, peak RSS of the whole child"),
        ):
            per_round = [{f: r["memory"][field_name] for f, r in results.items()
                          if "memory" in r} for results in rounds]
            rows.append(_row("6", label, "MB", per_round, {}))
    return rows
