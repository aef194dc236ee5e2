"""The run options behind the examples: input dropout, max-norm, label
smoothing, Nesterov momentum, the cosine schedule and a fixed split seed."""

from __future__ import annotations

import pytest

import nnzero as nz
from nnzero.runs import (
    ConfigError,
    build_model,
    load_run_data,
    load_toml,
    resolve_config,
    to_toml,
)
from nnzero.runs.train import train_run

OPTIONS = {"layers": "16,8", "input_dropout": 0.2, "dropout": 0.5, "max_norm": 3.0,
           "label_smoothing": 0.1, "optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9,
           "nesterov": True, "schedule": "cosine", "warmup": 1, "epochs": 4, "batch_size": 10}


def test_build_model_uses_every_option():
    model = build_model(resolve_config(overrides=OPTIONS), 3, n_train=100)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dropout", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert model.layers[0].rate == 0.2
    assert all(layer.kernel_constraint.max_value == 3.0 for layer in model.layers
               if isinstance(layer, nz.layers.Dense))
    assert model.loss.label_smoothing == 0.1
    assert model.optimizer.nesterov
    schedule = model.optimizer.learning_rate
    assert isinstance(schedule, nz.schedules.CosineDecay)
    assert (schedule.warmup_steps, schedule.decay_steps) == (10, 30)  # 10 steps per epoch
    assert schedule(10) == pytest.approx(0.1) and schedule(40) == 0.0


def test_batch_norm_layers():
    model = build_model(resolve_config(overrides={"layers": "8", "batch_norm": True,
                                                  "dropout": 0.1}), 3)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "BatchNormalization", "Activation", "Dropout", "Dense"]
    assert not model.layers[0].use_bias


def test_kernel_initializer():
    model = build_model(resolve_config(overrides={"layers": "8",
                                                  "kernel_initializer": "he_normal"}), 3)
    assert {type(layer.kernel_initializer).__name__ for layer in model.layers} == {"HeNormal"}


def test_kernel_initializer_table_round_trips_through_toml(tmp_path):
    table = {"name": "variance_scaling", "scale": 16.0, "mode": "fan_avg",
             "distribution": "uniform"}
    config = resolve_config(overrides={"layers": "8", "kernel_initializer": table})
    (tmp_path / "run.toml").write_text(to_toml(config))
    again = resolve_config(load_toml(tmp_path / "run.toml"))
    assert again["kernel_initializer"] == table
    init = build_model(again, 3).layers[0].kernel_initializer
    assert (init.scale, init.mode, init.distribution) == (16.0, "fan_avg", "uniform")
    with pytest.raises(ConfigError, match="kernel_initializer"):
        resolve_config(overrides={"kernel_initializer": {"name": "variance_scaling",
                                                         "mode": "fan"}})


def test_defaults_build_the_plain_network():
    model = build_model(resolve_config(overrides={"layers": "4"}), 2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert model.layers[0].kernel_constraint is None
    assert isinstance(model.optimizer.learning_rate, float)


@pytest.mark.parametrize("values,match", [
    ({"schedule": "linear"}, "`schedule` must be one of"),
    ({"warmup": 2}, "warmup"),
    ({"schedule": "cosine", "warmup": 10, "epochs": 10}, "warmup"),
    ({"nesterov": True}, "nesterov needs"),
    ({"nesterov": "yes"}, "`nesterov` must be True or False"),
    ({"batch_norm": 1}, "`batch_norm` must be True or False"),
    ({"label_smoothing": 0.1, "loss": "mse"}, "label_smoothing applies"),
    ({"label_smoothing": 1.0}, "`label_smoothing` must be finite and in"),
    ({"input_dropout": -0.1}, "input_dropout"),
    ({"max_norm": -1}, r"`max_norm` must be finite and in \[0, inf\)"),
    ({"split_seed": -1}, "`split_seed` must be >= 0"),
    ({"kernel_initializer": "glorot"}, "kernel_initializer: Unknown initializer"),
])
def test_bad_values_are_config_errors(values, match):
    with pytest.raises(ConfigError, match=match):
        resolve_config(overrides=values)


def test_cosine_needs_the_training_size():
    with pytest.raises(nz.InvalidArgumentError, match="n_train"):
        build_model(resolve_config(overrides={"schedule": "cosine"}), 10)


def test_split_seed_fixes_the_validation_split_across_seeds():
    def val(seed, split_seed=None):
        config = resolve_config(overrides={"dataset": "digits", "seed": seed,
                                           "split_seed": split_seed, "validation_split": 0.2})
        return load_run_data(config).y_val.tolist()

    assert val(0, 42) == val(3, 42)
    assert val(0) != val(3)


def test_cosine_run_writes_a_config_that_runs_again(tmp_path):
    overrides = dict(OPTIONS, dataset="moons", samples=100, out=str(tmp_path / "a"))
    result = train_run(resolve_config(overrides=overrides), plots=False, log=None)
    saved = load_toml(tmp_path / "a" / "config.toml")
    assert saved["learning_rate"] == 0.1  # the starting rate, not the final 0
    assert result.metrics["config"]["schedule"] == "cosine"
    again = resolve_config(saved, {"out": str(tmp_path / "b")})
    assert train_run(again, plots=False, log=None).metrics["test_accuracy"] == (
        result.metrics["test_accuracy"])


def test_variance_scaling_initializer():
    import numpy as np

    init = nz.initializers.VarianceScaling(16.0, mode="fan_avg", distribution="uniform")
    w = init((600, 200), np.random.default_rng(0), np.float64)
    assert w.var() == pytest.approx(16.0 / 400, rel=0.02)
    assert nz.initializers.get(init.get_config()).get_config() == init.get_config()
    normal = nz.initializers.VarianceScaling(2.0)((500, 100), np.random.default_rng(1))
    assert normal.var() == pytest.approx(2.0 / 500, rel=0.03)
    with pytest.raises(nz.InvalidArgumentError, match="distribution"):
        nz.initializers.VarianceScaling(distribution="truncated")


PER_LAYER = [{"name": "orthogonal", "gain": 4.0}, "he_normal", {"name": "orthogonal", "gain": 8.0}]


@pytest.mark.parametrize("batch_norm", [False, True])
def test_one_kernel_initializer_per_dense_layer(batch_norm, tmp_path):
    config = resolve_config(overrides={"layers": "8,4", "kernel_initializer": PER_LAYER,
                                       "batch_norm": batch_norm})
    (tmp_path / "run.toml").write_text(to_toml(config))
    again = resolve_config(load_toml(tmp_path / "run.toml"))
    assert again["kernel_initializer"] == PER_LAYER
    dense = [layer for layer in build_model(again, 3).layers
             if isinstance(layer, nz.layers.Dense)]
    assert [type(layer.kernel_initializer).__name__ for layer in dense] == [
        "Orthogonal", "HeNormal", "Orthogonal"]
    assert (dense[0].kernel_initializer.gain, dense[2].kernel_initializer.gain) == (4.0, 8.0)


@pytest.mark.parametrize(("kernels", "match"), [
    (["he_normal", "he_normal"], r"one initializer per Dense layer: 3 \(2 hidden and the output\)"
                                 r"\. Received 2"),
    (["he_normal", 4.0, "he_normal"], r"kernel_initializer\[1\] must be a name or a table"),
    (["he_normal", "he_normal", "orthogonl"], r"kernel_initializer\[2\]: .*orthogonl"),
    (["he_normal", {"name": "orthogonal", "gain": -1.0}, "he_normal"],
     r"kernel_initializer\[1\]: .*gain"),
])
def test_bad_per_layer_initializers_are_config_errors(kernels, match):
    with pytest.raises(ConfigError, match=match):
        resolve_config(overrides={"layers": "8,4", "kernel_initializer": kernels})
