"""Run every example config and write docs/results.md: what `make reproduce` does.

Each config in ``examples/`` is trained with ``nnzero train --config``
into ``runs/<name>/`` (one sub-directory per seed where several seeds are
run, plus a summary ``metrics.json``); a config whose data cannot be found
on this machine is skipped with the reason, recorded in its
``metrics.json``. The table of results is then rebuilt from the
``metrics.json`` files alone, printed, and written to ``docs/results.md``
(and into the README between its ``results`` markers) with the key plots
copied to ``docs/results/``.

    python examples/reproduce.py                        # every config, in order
    python examples/reproduce.py tutorial_001 mnist_mlp # some of them
    python examples/reproduce.py --report-only          # only rebuild docs/results.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: Every config, in the order they run: the figure it is compared with, the
#: weight seeds, the plots worth showing, and extra scripts run beside it.
RUNS = {
    "tutorial_000": {
        "reference": "loss and accuracy curves only (no number in the text)",
        "plots": ["history.png"],
    },
    "tutorial_000_own": {
        "reference": "tutorial 000 as written: its N(0, 0.01²) initialisation (curves only "
                     "in the text)",
        "plots": ["history.png"],
    },
    "tutorial_001": {
        "reference": "100 % (a perfect score on its synthetic set)",
        "seeds": [2020],
        "plots": ["history.png"],
    },
    "tutorial_002": {
        "reference": "decision-boundary figures (no number in the text)",
        "plots": ["decision_boundary.png"],
        "scripts": [["plot_boundary_grid.py"]],
    },
    "tutorial_003": {
        "reference": "0 %-95 % validation accuracy, depending on the initialisation",
        "seeds": [0, 1, 2, 3, 4],
        "plots": ["history.png"],
    },
    "tutorial_003_own": {
        "reference": "tutorial 003 as written: no biases, N(0, 1/fan_out) weights, its pooled "
                     "split (15 % of 70,000 held out, seed 42); 0 %-95 % in the text",
        "plots": ["history.png", "layer_stats.png"],
    },
    "tutorial_004": {
        "reference": "about 99 % training, 98 % validation",
        "plots": ["history.png"],
        "scripts": [["tutorial_004_perceptron.py"]],
    },
    "mnist_mlp": {
        "reference": "98.4-98.5 % (MNIST table: 800 units 1.6 %, 500+300 units 1.53 % error); "
                     "aim 98.6 %",
        "plots": ["history.png"],
    },
    "mnist_best": {
        "reference": "98.95-99.05 % (Srivastava et al. 2014, dropout + max-norm MLPs, "
                     "no augmentation); 98.9 % (Simard et al. 2003, 800 units, affine "
                     "distortions); aim 99.0 %",
        "plots": ["history.png", "misclassified.png"],
    },
    "fashion_mlp": {
        "reference": "87.7 % (Xiao et al. 2017, best scikit-learn MLP); aim 90.5 %",
        "plots": ["history.png", "confusion_matrix.png"],
    },
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"configs to run (default: all of "
                                                 f"{', '.join(RUNS)})")
    parser.add_argument("--report-only", action="store_true",
                        help="train nothing; rebuild docs/results.md from runs/")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in RUNS]
    if unknown:
        parser.error(f"unknown config {', '.join(unknown)}; choose from {', '.join(RUNS)}")
    if not args.report_only:
        start = time.perf_counter()
        for name in args.names or RUNS:
            run_config(name, args.runs / name)
        print(f"\nAll runs took {_duration(time.perf_counter() - start)}.\n")
    text = results_markdown(args.runs, args.docs)
    print(text)
    (args.docs / "results.md").write_text(text)
    update_readme(ROOT / "README.md", results_table(args.runs, args.docs, prefix="docs/"))
    return 0


# -- running -----------------------------------------------------------------------------

def run_config(name: str, out: Path) -> None:
    """Train ``examples/<name>.toml`` once per seed into ``out``."""
    from nnzero.runs import load_toml, resolve_config

    spec = RUNS[name]
    config_path = EXAMPLES / f"{name}.toml"
    config = resolve_config(load_toml(config_path), source=str(config_path))
    print(f"\n=== {name} ===", flush=True)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    missing = missing_data(config)
    if missing:
        print(f"Skipped {name}: {missing}", flush=True)
        _write_json(out / "metrics.json", {"name": name, "skipped": missing})
        return
    seeds = spec.get("seeds", [config["seed"]])
    runs = []
    for seed in seeds:
        run_dir = out if len(seeds) == 1 else out / f"seed_{seed}"
        command = [sys.executable, "-m", "nnzero", "train", "--config", str(config_path),
                   "--seed", str(seed), "--out", str(run_dir)]
        print("$", " ".join(_relative(c) for c in command[1:]), flush=True)
        subprocess.run(command, check=True, cwd=ROOT)
        runs.append(json.loads((run_dir / "metrics.json").read_text()))
    for script in spec.get("scripts", []):
        command = [sys.executable, str(EXAMPLES / script[0]), *script[1:]]
        print("$", " ".join(_relative(c) for c in command[1:]), flush=True)
        subprocess.run(command, check=True, cwd=ROOT)
    if len(seeds) > 1:
        _write_json(out / "metrics.json", _summary(name, runs))


def missing_data(config: dict) -> str | None:
    """Why the data of ``config`` is not on this machine, or ``None`` when it is."""
    from nnzero.runs.data import find_idx_dataset

    name = config["dataset"]
    if name not in ("mnist", "fashion-mnist") or find_idx_dataset(name, config["data_dir"]):
        return None
    hint = ("apt-get install dataset-fashion-mnist" if name == "fashion-mnist"
            else "put the four IDX files in $NNZERO_DATA/mnist")
    return f"no {name} files on this machine ({hint}, then run it again)"


def _summary(name: str, runs: list[dict]) -> dict:
    keys = ("seed", "test_accuracy", "val_accuracy", "train_accuracy", "train_seconds",
            "train_cpu_seconds", "mean_epoch_seconds", "epochs", "stopped_reason")
    return {"name": name, "seeds": [r["seed"] for r in runs],
            "runs": [{k: r.get(k) for k in keys} for r in runs]}


# -- the table ---------------------------------------------------------------------------

def results_markdown(runs_dir: Path, docs: Path) -> str:
    """``docs/results.md``: the table, from ``runs_dir/<name>/metrics.json``."""
    lines = [
        "# Results",
        "",
        "Generated by `make reproduce` (`examples/reproduce.py`) from `runs/<config>/"
        "metrics.json`; do not edit by hand. Each config is `examples/<config>.toml`.",
        f"Times are wall-clock training time on this machine ({_machine()}), which was "
        "shared with other jobs while they ran, so they vary from run to run; in square brackets "
        "the CPU time of the training process (summed over its threads, so at most the "
        "number of cores times the wall time), which depends much less on the other jobs; "
        "last, the epochs times the fastest epoch: about what the run takes on an idle "
        "machine.",
        "",
        results_table(runs_dir, docs),
        "",
    ]
    return "\n".join(lines)


def results_table(runs_dir: Path, docs: Path, prefix: str = "") -> str:
    """The table as Markdown, with links relative to ``docs/`` (or to the
    project's root when ``prefix`` is ``"docs/"``); copies the plots.

    A config trained in ``runs_dir`` also leaves its record (metrics and
    epoch times) in ``docs/results/<name>.json``; a config not trained
    there keeps the row of its committed record and plots, so running some
    configs again leaves the others' figures in the table."""
    figures = docs / "results"
    figures.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, spec in RUNS.items():
        record = _record(name, runs_dir / name, figures)
        rows.append(_row(name, spec, record, runs_dir / name, figures, prefix))
    header = ["Config", "Tutorial's / literature figure", "nnzero (test accuracy unless "
              "stated)", "Seed(s)", "Training time", "Figures"]
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *("| " + " | ".join(row) + " |" for row in rows)])


def _record(name: str, run_dir: Path, figures: Path) -> dict:
    """``{"metrics": ..., "epoch_times": {seed: [...]}, "fresh": bool}`` of a
    config: from its run directory when it was trained here (written to
    ``figures/<name>.json`` as well), else from that committed record."""
    saved = figures / f"{name}.json"
    path = run_dir / "metrics.json"
    metrics = json.loads(path.read_text()) if path.is_file() else None
    if (metrics is None or "skipped" in metrics) and saved.is_file():
        # Not trained here, or its data missing here: the committed record stands.
        return dict(json.loads(saved.read_text()), fresh=False)
    for stale in figures.glob(f"{name}_*.png"):  # plots of an earlier run, or of none
        stale.unlink()
    if metrics is None:
        return {"metrics": {"not_run": True}, "epoch_times": {}, "fresh": False}
    seeds = metrics.get("seeds")
    dirs = {str(s): run_dir / f"seed_{s}" for s in seeds} if seeds else {"": run_dir}
    record = {"metrics": metrics,
              "epoch_times": {seed: _epoch_times(d) for seed, d in dirs.items()}}
    _write_json(saved, record)
    return dict(record, fresh=True)


def update_readme(readme: Path, table: str) -> None:
    """Put ``table`` between the README's ``<!-- results -->`` markers, if it has them."""
    start, end = "<!-- results -->", "<!-- /results -->"
    if not readme.is_file():
        return
    text = readme.read_text()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        readme.write_text(f"{head}{start}\n{table}\n{end}{rest.split(end, 1)[1]}")


def _row(name, spec, record, run_dir, figures, prefix="") -> list[str]:
    metrics = record["metrics"]
    times = record["epoch_times"]
    examples = "examples/" if prefix else "../examples/"
    config = f"[{name}]({examples}{name}.toml)"
    if "skipped" in metrics or "not_run" in metrics:
        why = f"skipped: {metrics['skipped']}" if "skipped" in metrics else "not run yet"
        return [config, spec["reference"], why, "", "", ""]
    if "runs" in metrics:  # several seeds
        runs = metrics["runs"]
        val = [r["val_accuracy"] for r in runs]
        test = [r["test_accuracy"] for r in runs]
        figure = (f"validation {_pct(min(val))}-{_pct(max(val))} over {len(runs)} seeds "
                  f"(test {_pct(min(test))}-{_pct(max(test))})")
        seconds = [r["train_seconds"] for r in runs]
        time_text = f"{_duration(sum(seconds))} ({_duration(sum(seconds) / len(seconds))} each)"
        cpu = [r.get("train_cpu_seconds") for r in runs]
        if None not in cpu:
            time_text += f" [CPU {_duration(sum(cpu))}]"
        idle = [_idle_seconds(times.get(str(seed))) for seed in metrics["seeds"]]
        if idle and None not in idle:
            time_text += f" ({_duration(sum(idle))} at the fastest epochs' pace)"
        seeds = ", ".join(str(s) for s in metrics["seeds"])
        plot_dir = run_dir / f"seed_{metrics['seeds'][0]}"
    else:
        figure = _pct(metrics["test_accuracy"])
        extra = [f"train {_pct(metrics['train_accuracy'])}"]
        if metrics.get("val_accuracy") is not None:
            extra.append(f"validation {_pct(metrics['val_accuracy'])}")
        figure += f" ({', '.join(extra)})"
        time_text = _duration(metrics["train_seconds"])
        if metrics.get("train_cpu_seconds") is not None:
            time_text += f" [CPU {_duration(metrics['train_cpu_seconds'])}]"
        time_text += _idle_estimate(times.get(""))
        seeds = str(metrics["seed"])
        plot_dir = run_dir
    links = []
    for plot in spec.get("plots", []):
        source, target = plot_dir / plot, figures / f"{name}_{plot}"
        if record["fresh"] and source.is_file():
            shutil.copyfile(source, target)
        if target.is_file():
            links.append(f"[{plot.removesuffix('.png')}]({prefix}results/{target.name})")
    if name == "tutorial_002" and (figures.parent / "boundary_grid.png").is_file():
        links.append(f"[boundary grid]({prefix}boundary_grid.png)")
    return [config, spec["reference"], figure, seeds, time_text, ", ".join(links)]


def _epoch_times(run_dir: Path) -> list[float]:
    path = run_dir / "history.json"
    if not path.is_file():
        return []
    return json.loads(path.read_text()).get("epoch_time") or []


def _idle_seconds(times: list[float] | None) -> float | None:
    """Epochs times the fastest epoch: the run's time on an idle machine, about."""
    return len(times) * min(times) if times else None


def _idle_estimate(times: list[float] | None) -> str:
    """`` (epochs x fastest epoch = total)`` from the run's epoch times, or ``""``."""
    if not times:
        return ""
    fastest = min(times)
    return f" ({len(times)} x {_duration(fastest)} = {_duration(len(times) * fastest)})"


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def _relative(part: str) -> str:
    try:
        return str(Path(part).relative_to(ROOT))
    except ValueError:
        return part


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
