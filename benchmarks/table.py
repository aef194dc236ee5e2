"""The benchmark's report: a header, the markdown table of ratios, the
out-of-core figures and which of the issue's targets this run met."""

from __future__ import annotations

import statistics

NAMES = {"nnzero": "nnzero", "pytorch": "PyTorch", "sklearn": "scikit-learn"}

# Largest acceptable nnzero / PyTorch time ratio per case (the "x faster" targets).
TARGETS = {"1": 1 / 2.0, "2": 1 / 3.0, "3": 1.0, "4": 1.0, "5": 1.0, "6": 1.0}
FLOOR_TARGET = 1.5  # case 1: within 1.5x of the GEMM floor
OOC_RSS_MB = 1024
OOC_THROUGHPUT = 0.8


def _ratio(a, b) -> str:
    return "n/a" if a is None or b is None else f"{a / b:.2f}"


def _table(rows, frameworks) -> list[str]:
    peers = [f for f in frameworks if f != "nnzero"]
    head = ["Case", "Unit", *(NAMES[f] for f in frameworks)]
    head += [f"nnzero ÷ {NAMES[p]}" for p in peers]
    head += ["nnzero ÷ GEMM floor", "Accuracy (" + " / ".join(NAMES[f] for f in frameworks) + ")"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        ours = row.seconds.get("nnzero")
        cells = [row.label, row.unit, *(row.shown(f) for f in frameworks)]
        cells += [_ratio(ours, row.seconds.get(p)) for p in peers]
        cells.append(_ratio(ours, row.floor) if row.floor else "")
        accuracy = [row.accuracy.get(f) for f in frameworks]
        cells.append(" / ".join("" if a is None else f"{a:.3f}" for a in accuracy))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _ooc_line(name: str, result: dict, rate: float) -> str:
    return f"| {name} | {result['rows']:,} | {rate:,.0f} | {result['peak_rss_mb']:,.0f} |"


def _ooc(ooc) -> tuple[list[str], float, float]:
    mapped, memory = ooc["memmap"], ooc["memory"]
    # The first epoch is a warm-up (page cache, allocator): the median of the rest.
    rate_mapped = statistics.median(mapped["samples_per_s"][1:] or mapped["samples_per_s"])
    rate_memory = statistics.median(memory["samples_per_s"][1:] or memory["samples_per_s"])
    lines = [
        f"Out of core: case 1's network on {ooc['rows']:,} synthetic samples "
        f"({ooc['size'] / 2**30:.2f} GiB of float32, written in {ooc['write_s']:.0f} s).",
        "",
        "| Data | Samples | Samples/s | Peak RSS (MB) |",
        "|---|---|---|---|",
        _ooc_line("numpy.memmap", mapped, rate_mapped),
        _ooc_line("in memory", memory, rate_memory),
        "",
        f"memmap throughput ÷ in-memory throughput: {rate_mapped / rate_memory:.2f}",
    ]
    return lines, rate_mapped / rate_memory, mapped["peak_rss_mb"]


def _verdicts(rows, ooc_result) -> list[str]:
    out = []
    for row in rows:
        key = row.label.split(".")[0]
        ours, torch = row.seconds.get("nnzero"), row.seconds.get("pytorch")
        if key not in TARGETS or ours is None or torch is None:
            continue
        ratio = ours / torch
        goal = TARGETS[key]
        text = f"case {key} ({row.label.split('. ', 1)[1]}): nnzero ÷ PyTorch {ratio:.2f}"
        text += f" (target ≤ {goal:.2f}) {'met' if ratio <= goal else 'NOT met'}"
        if key == "1" and row.floor:
            floor = ours / row.floor
            text += (f"; ÷ GEMM floor {floor:.2f} (target ≤ {FLOOR_TARGET}) "
                     f"{'met' if floor <= FLOOR_TARGET else 'NOT met'}")
        out.append("- " + text)
    if ooc_result is not None:
        throughput, rss = ooc_result
        ok = throughput >= OOC_THROUGHPUT and rss < OOC_RSS_MB
        out.append(f"- out of core: peak RSS {rss:,.0f} MB (target < {OOC_RSS_MB}), "
                   f"throughput {throughput:.2f} of in-memory (target ≥ {OOC_THROUGHPUT}) "
                   f"{'met' if ok else 'NOT met'}")
    return out


def render(header: dict, rows, frameworks, ooc) -> str:
    lines = [
        f"Machine: {header['machine']}",
        f"Software: {header['software']}; {header['threads']} threads for every framework",
        f"Data: {header['data']}",
        f"float32 GEMM peak: {header['gemm_peak'] / 1e9:.1f} GFLOP/s "
        f"(case 1: {header['flops_case1'] / 1e9:.1f} GFLOP per epoch)",
        f"Load average: {header['load']}",
        f"Command: {header['command']}",
        "",
        "Times are medians over repetitions after a warm-up; ratios divide nnzero's "
        "time (or memory) by the other's, so below 1 means nnzero is faster (smaller).",
        "",
        *_table(rows, frameworks),
    ]
    ooc_result = None
    if ooc is not None:
        ooc_lines, throughput, rss = _ooc(ooc)
        lines += ["", *ooc_lines]
        ooc_result = (throughput, rss)
    verdicts = _verdicts(rows, ooc_result)
    if verdicts:
        lines += ["", "Targets (issue 6):", *verdicts]
    return "\n".join(lines)
