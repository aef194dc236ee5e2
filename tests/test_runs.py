"""Training runs from a config: merging, checks, data splits, the run directory."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from nnzero import losses
from nnzero.runs import (
    ConfigError,
    build_model,
    encode_targets,
    load_run_data,
    load_toml,
    resolve_config,
    to_toml,
    train_run,
)


def test_defaults_then_file_then_overrides():
    config = resolve_config({"epochs": 3, "layers": [32], "seed": 4},
                            {"epochs": 7, "seed": None, "dataset": "moons"})
    assert config["epochs"] == 7  # the flag wins
    assert config["seed"] == 4  # an unset flag keeps the file's value
    assert config["layers"] == [32]
    assert config["batch_size"] == 128  # default
    assert config["out"].endswith("moons")


def test_csv_name_gives_default_out_and_no_dataset():
    config = resolve_config(overrides={"csv": "data/iris.csv", "target": "species"})
    assert config["dataset"] is None
    assert config["out"].endswith("iris")


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"epoch": 3}, "Did you mean 'epochs'?"),
        ({"learnin_rate": 0.1}, "Did you mean 'learning_rate'?"),
        ({"dataset": "mnst"}, "Did you mean 'mnist'?"),
        ({"layers": "128,abc"}, "comma-separated"),
        ({"layers": [0]}, "`layers[0]` must be >= 1"),
        ({"epochs": 0}, "`epochs` must be >= 1"),
        ({"epochs": 2.5}, "`epochs` must be an integer"),
        ({"validation_split": 1.0}, "`validation_split` must be finite and in [0, 1)"),
        ({"test_split": 0}, "`test_split` must be finite and in (0, 1)"),
        ({"learning_rate": "fast"}, "`learning_rate` must be a real number"),
        ({"momentum": 0.9}, "momentum applies to the sgd and rmsprop"),
        ({"activation": "rleu"}, "Did you mean 'relu'?"),
        ({"optimizer": "adm"}, "Did you mean 'adam'?"),
        ({"dtype": "float16"}, "float32"),
        ({"dataset": "moons", "csv": "x.csv"}, "not both"),
        ({"target": "label"}, "needs csv"),
    ],
)
def test_bad_settings_are_config_errors(values, fragment):
    with pytest.raises(ConfigError) as info:
        resolve_config(values, source="run.toml")
    assert fragment in str(info.value)


def test_toml_round_trip(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('dataset = "xor"\nlearning-rate = 0.05\nlayers = [8, 4]\n')
    config = resolve_config(load_toml(path))
    assert config["learning_rate"] == 0.05
    written = tmp_path / "again.toml"
    written.write_text(to_toml(config))
    assert resolve_config(load_toml(written)) == config


def test_bad_toml_is_a_config_error(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("epochs = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_toml(tmp_path / "missing.toml")


def test_toy_data_split_and_limit():
    config = resolve_config(overrides={"dataset": "spirals", "samples": 300, "limit": 100,
                                       "validation_split": 0.2})
    data = load_run_data(config)
    assert len(data.x_test) == 60  # 20 % of 300
    assert len(data.x_train) + len(data.x_val) == 100
    assert data.n_features == 2 and data.n_classes == 3
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    again = load_run_data(config)
    np.testing.assert_array_equal(data.x_train, again.x_train)  # same seed, same split


def test_tiny_limit_falls_back_to_an_unstratified_split():
    config = resolve_config(overrides={"dataset": "digits", "limit": 12})
    data = load_run_data(config)
    assert len(data.x_train) + len(data.x_val) == 12


def test_csv_with_numeric_labels_is_reindexed(tmp_path):
    path = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    rows = [["x1", "x2", "label"]]
    rows += [[f"{a:.3f}", f"{b:.3f}", 5 if a > 0 else -1] for a, b in rng.normal(size=(60, 2))]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    data = load_run_data(resolve_config(overrides={"csv": str(path), "target": "label"}))
    assert data.class_names == ["-1", "5"]
    assert set(np.unique(data.y_train)) == {0, 1}


@pytest.mark.parametrize("loss", ["mse", "categorical_crossentropy", "binary_crossentropy"])
def test_encode_targets_matches_the_loss(loss):
    y = np.array([0, 1, 1])
    n_outputs = 1 if loss == "binary_crossentropy" else 2
    encoded = encode_targets(y, losses.get(loss), n_outputs)
    assert encoded.shape == ((3, 1) if n_outputs == 1 else (3, 2))


def test_build_model_applies_every_setting():
    config = resolve_config(overrides={"layers": "16,8", "dropout": 0.25, "l2": 1e-4,
                                       "optimizer": "sgd", "learning_rate": 0.1,
                                       "momentum": 0.9, "loss": "binary_crossentropy"})
    model = build_model(config, n_classes=2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.layers[-1].units == 1  # one sigmoid unit for two classes
    assert type(model.layers[-1].activation).__name__ == "Sigmoid"
    assert model.optimizer.momentum == 0.9 and model.optimizer.learning_rate == 0.1


def test_train_run_writes_the_run_directory(tmp_path):
    config = resolve_config(overrides={"dataset": "moons", "samples": 200, "epochs": 2,
                                       "layers": "8", "out": str(tmp_path / "run")})
    result = train_run(config, plots=False, log=None)
    out = tmp_path / "run"
    for name in ("model.nnz", "history.json", "history.csv", "metrics.json", "config.toml",
                 "predictions.csv", "report.html"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_loss", "train_seconds", "epochs", "config", "seed"):
        assert key in metrics
    assert metrics["versions"]["numpy"] == np.__version__
    assert metrics["config"]["learning_rate"] == 0.001  # resolved from the optimizer
    assert metrics["epochs"] == 2 == len(result.history.epoch)
    history_rows = (out / "history.csv").read_text().splitlines()
    assert history_rows[0].startswith("epoch,loss,accuracy,val_loss,val_accuracy")
    assert len(history_rows) == 3
    predictions = (out / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "index,true,true_label,predicted,predicted_label,confidence"
    assert len(predictions) == 41
    # The written config trains the same run again.
    assert resolve_config(load_toml(out / "config.toml")) == metrics["config"]


def test_diverged_run_still_writes_strict_json(tmp_path):
    import warnings

    config = resolve_config(overrides={"dataset": "moons", "samples": 100, "epochs": 3,
                                       "optimizer": "sgd", "learning_rate": 1e30,
                                       "out": str(tmp_path / "run")})
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the reason is logged, not warned
        train_run(config, plots=False, log=lines.append)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(),
                         parse_constant=lambda name: pytest.fail(f"{name} in metrics.json"))
    assert metrics["stopped_reason"].startswith("non-finite loss")
    # The weights kept give finite outputs, so the test loss is a number.
    assert isinstance(metrics["test_loss"], float)
    assert any(line.startswith("Stopped early: non-finite loss") for line in lines)
