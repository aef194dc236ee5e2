"""``nnzero compare``: train (or read) several runs and draw them side by side.

Each argument is a run directory written by ``nnzero train`` (its
``history.json`` and ``metrics.json`` are read) or a TOML config (it is
trained first, into ``OUT/<config name>``). The comparison is written to
``OUT/compare.png`` (curves against epochs, updates and seconds, and a
table) and ``OUT/compare.md`` (the table as Markdown), and the table is
printed.

Example
-------
>>> import pathlib, tempfile
>>> from nnzero.cli.compare import compare_runs
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> for batch in (200, 16):
...     _ = (out / f"b{batch}.toml").write_text(
...         f'dataset = "moons"\\nsamples = 250\\nlayers = [8]\\nepochs = 2\\n'
...         f'batch_size = {batch}\\n')
>>> result = compare_runs([out / "b200.toml", out / "b16.toml"], out / "cmp", log=None)
>>> [row["updates_per_epoch"] for row in result.rows]
[1, 12]
>>> sorted(p.name for p in result.files)
['compare.md', 'compare.png']
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import click

from ..errors import InvalidArgumentError

__all__ = ["CompareResult", "compare", "compare_runs", "markdown_table"]

#: Settings the command line may change in every compared config at once.
OVERRIDE_KEYS = ("epochs", "limit", "data_dir", "seed")


@dataclass
class CompareResult:
    """What :func:`compare_runs` wrote: the table rows and the files.

    Example
    -------
    >>> from nnzero.cli.compare import CompareResult
    >>> list(CompareResult.__dataclass_fields__)
    ['rows', 'files', 'run_dirs']
    """

    rows: list
    files: list
    run_dirs: list


def compare_runs(sources, out, overrides=None, *, log=print) -> CompareResult:
    """Compare the runs ``sources`` (run directories or TOML configs) into ``out``.

    Parameters
    ----------
    sources : list of str or Path
        Run directories (with ``history.json`` and ``metrics.json``) or TOML
        configs, which are trained into ``out/<file stem>`` first.
    out : str or Path
        Directory for ``compare.png``, ``compare.md`` and trained runs.
    overrides : dict, optional
        Settings applied to every config (``epochs``, ``limit``,
        ``data_dir``, ``seed``); ignored for run directories.
    log : callable or None
        Receives one line per run and the table; ``None`` is silent.

    Returns
    -------
    CompareResult
    """
    from .. import plot
    from ..runs import load_toml, resolve_config, train_run

    say = log or (lambda _line: None)
    if not sources:
        raise InvalidArgumentError("`sources` is empty: name at least one run directory "
                                   "or config to compare.")
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise InvalidArgumentError(f"`overrides` may set only {', '.join(OVERRIDE_KEYS)}. "
                                   f"Received: {', '.join(unknown)}")
    out = Path(out)
    paths = [Path(s) for s in sources]
    labels = _labels(paths)
    # Every source is checked (and every config resolved) before any training.
    plan = []
    for path, label in zip(paths, labels, strict=True):
        if path.is_dir():
            plan.append((label, path, None))
        elif path.is_file():
            config = resolve_config(load_toml(path), dict(overrides, out=str(out / label)),
                                    source=str(path))
            plan.append((label, out / label, config))
        else:
            raise InvalidArgumentError(f"{str(path)!r} is neither a run directory nor a "
                                       "config file.")
    out.mkdir(parents=True, exist_ok=True)
    histories, per_epoch = [], []
    for label, run_dir, config in plan:
        if config is not None:
            say(f"Training {label} ...")
            train_run(config, plots=False, log=None)
        history, updates = read_run(run_dir)
        histories.append(history)
        per_epoch.append(updates)
        seconds = sum(history.get("epoch_time", []))
        say(f"{label}: {len(history.get('loss', []))} epochs in {seconds:.2f} s")
    rows = plot.comparison_table(histories, labels, per_epoch)
    figure = plot.compare(histories, labels, per_epoch)
    files = [plot.save(figure, out / "compare.png")]
    table = markdown_table(rows)
    files.append(out / "compare.md")
    files[-1].write_text(table, encoding="utf-8")
    say(table.rstrip("\n"))
    return CompareResult(rows, files, [run_dir for _, run_dir, _ in plan])


def read_run(run_dir) -> tuple[dict, int | None]:
    """A run directory's per-epoch history (with its per-batch log under
    ``"batches"`` when the run kept one, ``batch_history.json``) and its
    updates per epoch (``ceil(n_train / batch_size)``, ``None`` when
    metrics.json lacks them).

    Example
    -------
    >>> import json, pathlib, tempfile
    >>> from nnzero.cli.compare import read_run
    >>> run = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (run / "history.json").write_text(json.dumps({"loss": [0.5]}))
    >>> _ = (run / "metrics.json").write_text(
    ...     json.dumps({"n_train": 1000, "config": {"batch_size": 128}}))
    >>> read_run(run)
    ({'loss': [0.5]}, 8)
    """
    run_dir = Path(run_dir)
    history = _read_json(run_dir / "history.json")
    if not isinstance(history, dict) or not history.get("loss"):
        raise InvalidArgumentError(f"{str(run_dir / 'history.json')!r} holds no per-epoch loss.")
    if (run_dir / "batch_history.json").is_file():  # a run trained with log_every
        batches = _read_json(run_dir / "batch_history.json")
        if isinstance(batches, dict):
            history = dict(history, batches=batches)
    try:
        metrics = _read_json(run_dir / "metrics.json")
        n_train = int(metrics["n_train"])
        batch = metrics["config"]["batch_size"]
        updates = math.ceil(n_train / min(int(batch), n_train))
    except (InvalidArgumentError, KeyError, TypeError, ValueError, ZeroDivisionError):
        updates = None
    return history, updates


def markdown_table(rows) -> str:
    """The comparison rows as a Markdown table.

    Example
    -------
    >>> from nnzero.cli.compare import markdown_table
    >>> print(markdown_table([{"label": "sgd", "epochs": 2, "final_accuracy": 0.9,
    ...                        "best_accuracy": 0.91, "final_loss": 0.3,
    ...                        "seconds_per_epoch": 1.5, "updates_per_epoch": 70}]))
    | run | epochs | final accuracy | best accuracy | final loss | s / epoch | updates / epoch |
    |---|---:|---:|---:|---:|---:|---:|
    | sgd | 2 | 0.9000 | 0.9100 | 0.3000 | 1.50 | 70 |
    <BLANKLINE>
    """
    def fmt(value, spec):
        return "–" if value is None or not math.isfinite(value) else format(value, spec)

    lines = ["| run | epochs | final accuracy | best accuracy | final loss | s / epoch "
             "| updates / epoch |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['epochs']} | {fmt(r['final_accuracy'], '.4f')} | "
            f"{fmt(r['best_accuracy'], '.4f')} | {fmt(r['final_loss'], '.4f')} | "
            f"{fmt(r['seconds_per_epoch'], '.2f')} | "
            f"{'–' if r['updates_per_epoch'] is None else r['updates_per_epoch']} |")
    return "\n".join(lines) + "\n"


def _labels(paths) -> list[str]:
    """Each source's name (a config's stem, a directory's name), made unique."""
    labels, seen = [], {}
    for path in paths:
        name = path.stem if path.suffix == ".toml" else path.name or str(path)
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return labels


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidArgumentError(f"{str(path)!r} does not exist; is "
                                   f"{str(path.parent)!r} a run directory?") from None
    except (OSError, ValueError) as err:
        raise InvalidArgumentError(f"{str(path)!r} cannot be read as JSON: {err}") from None


def _set_debug(ctx, _param, value):
    if value and isinstance(ctx.obj, dict):
        ctx.obj["debug"] = True


@click.command()
@click.argument("sources", metavar="RUN_DIR_OR_CONFIG...", nargs=-1, required=True,
                type=click.Path(exists=True))
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Directory for compare.png, compare.md and the trained runs.")
@click.option("--epochs", type=click.IntRange(1), help="Epochs of every config.")
@click.option("--limit", type=click.IntRange(1),
              help="Train every config on the first N training samples only.")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Directory with the MNIST-style files.")
@click.option("--seed", type=click.IntRange(0), help="Seed of every config.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
              help="Show the full traceback when something fails.")
def compare(sources, out, quiet, **options):
    """Compare runs: loss and accuracy against epochs, updates and seconds.

    Each RUN_DIR_OR_CONFIG is a directory written by `nnzero train` or a
    TOML config, trained first into OUT/<config name>. Writes
    OUT/compare.png and OUT/compare.md and prints the table, e.g.

    \b
      nnzero compare examples/compare/gd_*.toml --out runs/gd
    """
    overrides = {k: v for k, v in options.items() if v is not None}
    compare_runs(sources, out, overrides, log=None if quiet else click.echo)
    return 0
