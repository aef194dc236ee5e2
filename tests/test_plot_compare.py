"""plot.compare, plot.comparison_table and the compare command's engine
(nnzero.cli.compare.compare_runs): curves against epochs, updates and
seconds, the table's numbers, run directories and configs as sources."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import nnzero as nz
from nnzero import plot
from nnzero.cli.compare import compare_runs, markdown_table, read_run
from nnzero.errors import InvalidArgumentError, InvalidTypeError

LOGS_A = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8], "val_loss": [1.1, 0.8, 0.7],
          "val_accuracy": [0.45, 0.72, 0.70], "epoch_time": [2.0, 1.0, 3.0]}
LOGS_B = {"loss": [0.9, 0.5], "accuracy": [0.6, 0.9], "epoch_time": [0.5, 0.5]}


def test_table_numbers():
    rows = plot.comparison_table([LOGS_A, LOGS_B], ["a", "b"], updates_per_epoch=[10, 1])
    a, b = rows
    assert a == {"label": "a", "epochs": 3, "accuracy_key": "val_accuracy",
                 "final_accuracy": 0.70, "best_accuracy": 0.72, "final_loss": 0.7,
                 "seconds_per_epoch": 2.0, "updates_per_epoch": 10}
    # Without validation the table falls back to training accuracy and loss.
    assert (b["accuracy_key"], b["best_accuracy"], b["final_loss"]) == ("accuracy", 0.9, 0.5)


def test_curves_against_epochs_updates_and_seconds():
    fig = plot.compare([LOGS_A, LOGS_B], ["a", "b"], updates_per_epoch=[10, 1])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:6] == [f"{m} against {x}" for m in ("loss", "accuracy")
                          for x in ("epochs", "updates", "seconds")]
    by_title = dict(zip(titles, fig.axes, strict=False))
    updates = by_title["loss against updates"].lines[0].get_xdata()
    np.testing.assert_array_equal(updates, [10, 20, 30])
    seconds = by_title["loss against seconds"].lines[0].get_xdata()
    np.testing.assert_array_equal(seconds, [2.0, 3.0, 6.0])
    # run a: training and validation; run b: training only.
    assert len(by_title["accuracy against epochs"].lines) == 3
    plot.close(fig)


def test_columns_follow_what_is_known_and_history_objects_work():
    x, y = nz.datasets.make_moons(100, seed=0)
    model = nz.Sequential([nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0)
    fig = plot.compare([history, {"loss": [1.0, 0.5]}])
    # No updates per epoch given, no accuracy logged: loss against epochs and seconds.
    assert [ax.get_title() for ax in fig.axes[:2]] == ["loss against epochs",
                                                      "loss against seconds"]
    assert fig.axes[0].get_legend_handles_labels()[1] == ["run 1", "run 2"]
    plot.close(fig)


def test_per_batch_losses_are_drawn_against_updates():
    logs = dict(LOGS_B, batches={"update": [1, 2, 3, 4], "loss": [1.0, 0.9, 0.7, 0.6]})
    fig = plot.compare([logs], ["b"], updates_per_epoch=2)
    panel = next(ax for ax in fig.axes if ax.get_title() == "loss against updates")
    np.testing.assert_array_equal(panel.lines[0].get_ydata(), [1.0, 0.9, 0.7, 0.6])
    plot.close(fig)


@pytest.mark.parametrize("args, kwargs, error, word", [
    (({"loss": [1.0]},), {}, InvalidTypeError, "histories"),
    (([],), {}, InvalidArgumentError, "histories"),
    (([LOGS_A], ["a", "b"]), {}, InvalidArgumentError, "labels"),
    (([LOGS_A], "a"), {}, InvalidTypeError, "labels"),
    (([LOGS_A],), {"updates_per_epoch": [1, 2]}, InvalidArgumentError, "updates_per_epoch"),
    (([LOGS_A],), {"updates_per_epoch": [0]}, InvalidArgumentError, "updates_per_epoch"),
    (([LOGS_A],), {"updates_per_epoch": "10"}, InvalidTypeError, "updates_per_epoch"),
    (([3],), {}, InvalidTypeError, "histories"),
    (([{"loss": []}],), {}, InvalidArgumentError, "loss"),
    (([LOGS_A],), {"metrics": ["f1"]}, InvalidArgumentError, "metrics"),
    (([LOGS_A],), {"metrics": [1]}, InvalidTypeError, "metrics"),
])
def test_compare_errors(args, kwargs, error, word):
    with pytest.raises(error, match=word):
        plot.compare(*args, **kwargs)


# -- the compare command's engine ------------------------------------------------------


def write_config(path, batch_size, epochs=2):
    path.write_text(f'dataset = "moons"\nsamples = 300\nlayers = [8]\nepochs = {epochs}\n'
                    f'batch_size = {batch_size}\nvalidation_split = 0.2\n')
    return path


def test_configs_are_trained_and_compared(tmp_path):
    configs = [write_config(tmp_path / "full.toml", 1000),
               write_config(tmp_path / "tiny.toml", 8)]
    out = tmp_path / "cmp"
    result = compare_runs(configs, out, {"epochs": 3}, log=None)
    # 300 moons, 20 % test and 20 % of the rest for validation: 192 training rows.
    assert [r["updates_per_epoch"] for r in result.rows] == [1, 24]
    assert [r["epochs"] for r in result.rows] == [3, 3]
    assert (out / "compare.png").stat().st_size > 5000
    table = (out / "compare.md").read_text()
    assert table == markdown_table(result.rows) and "| tiny | 3 |" in table
    # The trained runs are run directories that compare reads back as they are.
    again = compare_runs(result.run_dirs, tmp_path / "again", log=None)
    assert again.rows == result.rows


def test_read_run_without_metrics_has_no_updates(tmp_path):
    (tmp_path / "history.json").write_text(json.dumps({"loss": [0.3, 0.2]}))
    assert read_run(tmp_path) == ({"loss": [0.3, 0.2]}, None)


def test_compare_runs_errors(tmp_path):
    good = write_config(tmp_path / "good.toml", 8)
    with pytest.raises(InvalidArgumentError, match="sources"):
        compare_runs([], tmp_path / "o", log=None)
    with pytest.raises(InvalidArgumentError, match="overrides"):
        compare_runs([good], tmp_path / "o", {"layers": [3]}, log=None)
    with pytest.raises(InvalidArgumentError, match="neither"):
        compare_runs([tmp_path / "missing.toml"], tmp_path / "o", log=None)
    with pytest.raises(InvalidArgumentError, match="history.json"):
        compare_runs([tmp_path], tmp_path / "o", log=None)
    bad = tmp_path / "bad.toml"
    bad.write_text('dataset = "moons"\nepoch = 3\n')
    # Every config is checked before the first one trains.
    with pytest.raises(InvalidArgumentError, match="epoch"):
        compare_runs([good, bad], tmp_path / "o", log=None)
    assert not (tmp_path / "o" / "good").exists()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "history.json").write_text("{not json")
    with pytest.raises(InvalidArgumentError, match="JSON"):
        compare_runs([tmp_path / "run"], tmp_path / "o", log=None)
    (tmp_path / "run" / "history.json").write_text("{}")
    with pytest.raises(InvalidArgumentError, match="loss"):
        compare_runs([tmp_path / "run"], tmp_path / "o", log=None)


def test_the_click_command(tmp_path):
    from click.testing import CliRunner

    from nnzero.cli.compare import compare

    configs = [str(write_config(tmp_path / f"b{b}.toml", b, epochs=1)) for b in (1000, 16)]
    out = tmp_path / "cmp"
    result = CliRunner().invoke(compare, [*configs, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| b16 | 1 |" in result.output and (out / "compare.png").is_file()
    missing = CliRunner().invoke(compare, [*configs])
    assert missing.exit_code == 2 and "--out" in missing.output
