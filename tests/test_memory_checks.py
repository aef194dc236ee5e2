"""Sizes checked before allocating: parameter counts, memory estimates, refusals."""

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs import memory
from nnzero.runs.memory import (
    MemoryLimitError,
    available_memory,
    check_network_memory,
    check_sample_memory,
    format_bytes,
    known_shape,
    parameter_count,
    training_bytes,
)

CONFIG = {"layers": [16, 8], "dtype": "float32", "optimizer": "adam", "momentum": 0.0,
          "batch_size": 32, "batch_norm": False}


@pytest.mark.parametrize("batch_norm", [False, True])
def test_parameter_count_matches_the_built_model(batch_norm):
    layers = []
    for units in (16, 8):
        if batch_norm:
            layers += [nz.layers.Dense(units, use_bias=False), nz.layers.BatchNormalization(),
                       nz.layers.Activation("relu")]
        else:
            layers.append(nz.layers.Dense(units, activation="relu"))
    model = nz.Sequential([*layers, nz.layers.Dense(3)])
    model.build((5,))
    counted = model.count_params()
    assert parameter_count(5, [16, 8], 3, batch_norm=batch_norm) == counted


def test_parameter_count_does_not_overflow():
    assert parameter_count(784, [10**9], 10) == 784 * 10**9 + 10**9 + 10 * 10**9 + 10


def test_training_bytes_counts_the_optimizer_state_and_the_dtype():
    sgd = training_bytes(1000, "float32", "sgd")
    assert training_bytes(1000, "float32", "adam") == sgd + 2 * 4000
    assert training_bytes(1000, "float32", "sgd", momentum=0.9) == sgd + 4000
    assert training_bytes(1000, "float64", "sgd") == 2 * sgd
    assert training_bytes(0, "float32", "sgd", batch_size=10, widths=[2, 3]) == 3 * 10 * 5 * 4


def test_huge_network_is_refused_naming_count_and_bytes():
    config = dict(CONFIG, layers=[10**9])
    with pytest.raises(MemoryLimitError) as err:
        check_network_memory(config, 784, 10, available=16 * 10**9)
    text = str(err.value)
    assert "795,000,000,010 parameters" in text
    assert "TB of memory" in text and "16.0 GB is available" in text
    assert isinstance(err.value, nz.InvalidArgumentError)


def test_network_that_fits_is_accepted_and_counted():
    assert check_network_memory(CONFIG, 4, 3, available=10**9) == parameter_count(4, [16, 8], 3)


def test_unknown_available_memory_refuses_nothing(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert check_network_memory(dict(CONFIG, layers=[10**6] * 3), 10, 2) > 10**12


def test_available_memory_is_positive_here():
    found = available_memory()
    assert found is None or found > 0


def test_cgroup_limit_lowers_the_available_memory(monkeypatch):
    monkeypatch.setattr(memory, "_meminfo_available", lambda: 64 * 10**9)
    monkeypatch.setattr(memory, "_cgroup_remaining", lambda: 2 * 10**9)
    assert available_memory() == 2 * 10**9


@pytest.mark.parametrize("dataset, samples", [("moons", 10**9), ("tutorial_001", 10**10)])
def test_huge_generated_set_is_refused(dataset, samples):
    config = {"dataset": dataset, "csv": None, "samples": samples}
    with pytest.raises(MemoryLimitError, match=f"samples {samples}: generating them for "
                                               f"{dataset} needs about .* GB"):
        check_sample_memory(config, available=8 * 10**9)


def test_image_sets_and_small_toy_sets_pass_the_sample_check():
    check_sample_memory({"dataset": "mnist", "csv": None, "samples": 10**12}, available=1)
    check_sample_memory({"dataset": "moons", "csv": None, "samples": 1000},
                        available=10**9)


def test_known_shapes():
    assert known_shape({"dataset": "digits", "csv": None}) == (64, 10)
    assert known_shape({"dataset": "xor", "csv": None, "loss": "binary_crossentropy"}) == (2, 1)
    assert known_shape({"dataset": None, "csv": "a.csv"}) is None


def test_toy_shapes_match_the_generated_sets():
    for name in ("moons", "circles", "blobs", "xor", "spirals", "tutorial_001"):
        x, y = getattr(nz.datasets, f"make_{name}")(n_samples=60, seed=0)
        assert known_shape({"dataset": name, "csv": None}) == (x.shape[1], len(np.unique(y)))


def test_format_bytes():
    assert format_bytes(0) == "0 bytes"
    assert format_bytes(1500) == "1.5 kB"
    assert format_bytes(24 * 10**9) == "24.0 GB"
    assert format_bytes(10**30).endswith("EB")


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal",
                                  "random_normal", "random_uniform", "lecun_normal"])
def test_float32_weights_are_drawn_without_a_float64_copy(name):
    import tracemalloc

    init = nz.initializers.get(name)
    tracemalloc.start()
    try:
        kernel = init((1000, 500), np.random.default_rng(0), np.float32)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kernel.dtype == np.float32 and kernel.shape == (1000, 500)
    assert peak < 1.5 * kernel.nbytes  # a float64 draw alone would be twice the kernel


def test_float64_weights_are_what_the_generator_draws_in_float64():
    rng = np.random.default_rng(3)
    expected = np.random.default_rng(3).normal(0.0, 0.05, size=(20, 10))
    drawn = nz.initializers.get("random_normal")((20, 10), rng, np.float64)
    np.testing.assert_array_equal(drawn, expected)
    rng = np.random.default_rng(4)
    expected = np.random.default_rng(4).uniform(-0.05, 0.05, size=(20, 10))
    drawn = nz.initializers.get("random_uniform")((20, 10), rng, np.float64)
    np.testing.assert_array_equal(drawn, expected)
