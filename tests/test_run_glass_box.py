"""Run configs for the glass box: use_bias, pooled_test_split, log_every and
layer_stats, and what a run directory and its report then hold."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nnzero.runs import resolve_config, train_run
from nnzero.runs.config import ConfigError
from nnzero.runs.data import load_run_data
from nnzero.runs.train import build_model


def test_use_bias_false_builds_dense_layers_without_bias():
    model = build_model(resolve_config(overrides={"layers": [8, 4], "use_bias": False}), 10)
    model.build((16,))
    assert [layer.use_bias for layer in model.layers] == [False, False, False]
    assert model.count_params() == 16 * 8 + 8 * 4 + 4 * 10
    default = build_model(resolve_config(overrides={"layers": [8]}), 10)
    assert all(layer.use_bias for layer in default.layers)


def test_pooled_test_split_pools_and_holds_out_a_share(tmp_path):
    own = load_run_data(resolve_config(overrides={"dataset": "digits",
                                                  "validation_split": 0.0}))
    pooled = load_run_data(resolve_config(overrides={
        "dataset": "digits", "pooled_test_split": 0.15, "split_seed": 42,
        "validation_split": 0.0}))
    total = len(own.x_train) + len(own.x_test)
    assert len(pooled.x_train) + len(pooled.x_test) == total
    assert len(pooled.x_test) == pytest.approx(0.15 * total, abs=1)
    # Every image is still there exactly once.
    everything = np.concatenate([own.x_train, own.x_test])
    again = np.concatenate([pooled.x_train, pooled.x_test])
    assert sorted(map(bytes, everything)) == sorted(map(bytes, again))
    # The same split seed, the same split.
    twice = load_run_data(resolve_config(overrides={
        "dataset": "digits", "pooled_test_split": 0.15, "split_seed": 42,
        "validation_split": 0.0}))
    np.testing.assert_array_equal(pooled.x_test, twice.x_test)
    assert "pooled" in pooled.source


@pytest.mark.parametrize("overrides, word", [
    ({"use_bias": "no"}, "use_bias"),
    ({"pooled_test_split": 1.0}, "pooled_test_split"),
    ({"pooled_test_split": 0.2, "dataset": "moons"}, "pooled_test_split"),
    ({"log_every": 0}, "log_every"),
    ({"layer_stats": -1}, "layer_stats"),
])
def test_bad_settings(overrides, word):
    with pytest.raises(ConfigError, match=word):
        resolve_config(overrides=overrides)


def test_run_writes_batch_history_and_layer_stats_into_its_report(tmp_path):
    config = resolve_config(overrides={
        "dataset": "moons", "samples": 200, "layers": [6], "epochs": 2, "batch_size": 16,
        "log_every": 2, "layer_stats": 3, "out": str(tmp_path / "run")})
    result = train_run(config, log=None)
    out = result.out_dir
    batches = json.loads((out / "batch_history.json").read_text())
    assert batches["update"][:3] == [2, 4, 6] and len(batches["loss"]) == len(batches["update"])
    stats = json.loads((out / "layer_stats.json").read_text())
    assert stats["every"] == 3 and stats["updates"][:3] == [0, 3, 6]
    assert stats["layers"] == ["1: Dense(6, relu)", "2: Dense(2, softmax)"]
    assert (out / "layer_stats.png").stat().st_size > 5000
    report = (out / "report.html").read_text()
    assert "update-to-weight ratios" in report
    # Without the settings, neither file is written.
    plain = train_run(dict(config, log_every=None, layer_stats=0, out=str(tmp_path / "plain")),
                      plots=False, log=None)
    assert not (plain.out_dir / "batch_history.json").exists()
    assert not (plain.out_dir / "layer_stats.json").exists()


def test_compare_reads_a_runs_batch_history(tmp_path):
    from nnzero.cli.compare import compare_runs, read_run

    config = resolve_config(overrides={
        "dataset": "moons", "samples": 200, "layers": [6], "epochs": 2, "batch_size": 16,
        "log_every": 1, "out": str(tmp_path / "run")})
    train_run(config, plots=False, log=None)
    history, updates = read_run(tmp_path / "run")
    assert history["batches"]["update"] == list(range(1, 2 * updates + 1))
    result = compare_runs([tmp_path / "run"], tmp_path / "cmp", log=None)
    assert result.rows[0]["updates_per_epoch"] == updates
