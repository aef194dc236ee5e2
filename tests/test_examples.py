"""Every config and script in examples/ still runs: one epoch on a tiny slice.

MNIST-style sets are replaced by a few random 28x28 images, so the test
needs no data files and stays fast; the full runs are what
``make reproduce`` does, not tests.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs import load_toml, resolve_config, train_run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONFIGS = sorted(EXAMPLES.glob("*.toml"))


def _module(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_images(n_train=120, n_test=30, flatten=True):
    rng = np.random.default_rng(0)
    shape = (784,) if flatten else (28, 28)
    x = rng.random((n_train + n_test, *shape), dtype=np.float32)
    y = np.arange(n_train + n_test) % 10
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


@pytest.fixture
def fake_mnist(monkeypatch):
    """MNIST and Fashion-MNIST loaders that return a few random images."""
    def load(*_args, flatten=True, **_kwargs):
        return _fake_images(flatten=flatten)

    def load_images(name, config):
        return (*_fake_images(), "random test images")

    monkeypatch.setattr(nz.datasets, "load_mnist", load)
    monkeypatch.setattr(nz.datasets, "load_fashion_mnist", load)
    monkeypatch.setattr("nnzero.runs.data._load_images", load_images)


def test_examples_has_configs():
    assert len(CONFIGS) >= 8


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_trains_one_epoch(path, tmp_path, fake_mnist):
    values = load_toml(path)
    overrides = {"epochs": 1, "limit": 60, "samples": 100, "out": str(tmp_path),
                 "warmup": 0 if "warmup" in values else None}
    config = resolve_config(values, overrides, source=str(path))
    result = train_run(config, plots=False, log=None)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and math.isfinite(metrics["test_loss"])
    assert result.model.optimizer.iterations >= 1


def test_every_config_is_reproduced_and_every_run_has_a_config():
    reproduce = _module("reproduce")
    assert sorted(reproduce.RUNS) == sorted(p.stem for p in CONFIGS)


@pytest.mark.parametrize("name,args", [
    ("tutorial_000", ["--epochs", "1", "--limit", "200"]),
    ("tutorial_001", ["--epochs", "2", "--limit", "200"]),
    ("tutorial_002", ["--epochs", "3"]),
    ("tutorial_003", ["--epochs", "1", "--limit", "100", "--seeds", "0", "1"]),
    ("tutorial_004", ["--epochs", "1", "--limit", "200"]),
    ("tutorial_004_perceptron", []),
])
def test_script_runs(name, args, fake_mnist, capsys):
    result = _module(name).main(args)
    assert result is not None
    assert capsys.readouterr().out


def test_perceptron_learns_and_or_but_not_xor():
    results = _module("tutorial_004_perceptron").main([])
    assert results["AND"] == [0, 0, 0, 1] and results["OR"] == [0, 1, 1, 1]
    assert results["XOR"] != [0, 1, 1, 0] and results["XOR network"] == [0, 1, 1, 0]


def _write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def test_results_table_from_metrics(tmp_path):
    reproduce = _module("reproduce")
    runs, docs = tmp_path / "runs", tmp_path / "docs"
    one = {"test_accuracy": 0.98765, "train_accuracy": 0.99, "val_accuracy": None,
           "train_seconds": 75.2, "train_cpu_seconds": 140.0, "seed": 0}
    _write(runs / "tutorial_000" / "metrics.json", one)
    (runs / "tutorial_000" / "history.png").write_bytes(b"png")
    _write(runs / "tutorial_000" / "history.json", {"epoch_time": [9.0, 7.5, 8.0]})
    (docs / "results").mkdir(parents=True)
    (docs / "results" / "mnist_best_history.png").write_bytes(b"old")  # from an earlier run
    _write(runs / "tutorial_003" / "metrics.json", {"seeds": [0, 1], "runs": [
        {"seed": 0, "test_accuracy": 0.95, "val_accuracy": 0.951, "train_seconds": 30.0},
        {"seed": 1, "test_accuracy": 0.96, "val_accuracy": 0.962, "train_seconds": 40.0}]})
    for seed in (0, 1):
        _write(runs / "tutorial_003" / f"seed_{seed}" / "history.json", {"epoch_time": [2.0, 3.0]})
    _write(runs / "fashion_mlp" / "metrics.json", {"skipped": "no fashion-mnist files"})
    text = reproduce.results_markdown(runs, docs)
    assert ("| 98.77 % (train 99.00 %) | 0 | 1 min 15 s [CPU 2 min 20 s] (3 x 7.5 s = 22.5 s) | "
            "[history](results/") in text
    assert "validation 95.10 %-96.20 % over 2 seeds (test 95.00 %-96.00 %)" in text
    assert "1 min 10 s (35.0 s each) (8.0 s at the fastest epochs' pace)" in text
    assert "skipped: no fashion-mnist files" in text
    assert "| not run yet |" in text  # configs with no metrics at all
    assert (docs / "results" / "tutorial_000_history.png").read_bytes() == b"png"
    assert not (docs / "results" / "mnist_best_history.png").exists()
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- results -->\nold\n<!-- /results -->\nrest\n")
    reproduce.update_readme(readme, reproduce.results_table(runs, docs, prefix="docs/"))
    updated = readme.read_text()
    assert "old" not in updated and updated.startswith("intro\n<!-- results -->\n| Config")
    assert "(docs/results/tutorial_000_history.png)" in updated and updated.endswith("rest\n")


def test_configs_not_run_again_keep_their_committed_rows(tmp_path):
    reproduce = _module("reproduce")
    runs, docs = tmp_path / "runs", tmp_path / "docs"
    _write(runs / "mnist_mlp" / "metrics.json", {
        "test_accuracy": 0.9867, "train_accuracy": 0.995, "val_accuracy": 0.9865,
        "train_seconds": 142.0, "seed": 0})
    _write(runs / "mnist_mlp" / "history.json", {"epoch_time": [7.5, 7.1]})
    (runs / "mnist_mlp" / "history.png").write_bytes(b"png")
    first = reproduce.results_markdown(runs, docs)
    assert (docs / "results" / "mnist_mlp.json").is_file()
    # A fresh clone: no runs/ at all, or only other configs run, or the data missing.
    shutil.rmtree(runs)
    assert reproduce.results_markdown(runs, docs) == first
    _write(runs / "mnist_mlp" / "metrics.json", {"skipped": "no mnist files"})
    _write(runs / "tutorial_001" / "metrics.json", {
        "test_accuracy": 1.0, "train_accuracy": 1.0, "val_accuracy": None,
        "train_seconds": 0.4, "seed": 2020})
    again = reproduce.results_markdown(runs, docs)
    assert "98.67 % (train 99.50 %, validation 98.65 %)" in again
    assert "(2 x 7.1 s = 14.2 s) | [history](results/mnist_mlp_history.png)" in again
    assert "100.00 % (train 100.00 %)" in again
    assert (docs / "results" / "mnist_mlp_history.png").read_bytes() == b"png"


def test_missing_data_is_a_reason_not_an_error(tmp_path):
    reproduce = _module("reproduce")
    config = resolve_config(overrides={"dataset": "fashion-mnist", "data_dir": str(tmp_path)})
    found = nz.runs.data.find_idx_dataset("fashion-mnist", str(tmp_path))
    reason = reproduce.missing_data(config)
    assert (reason is None) == (found is not None)
    assert reproduce.missing_data(resolve_config(overrides={"dataset": "moons"})) is None
