"""Toy regression sets: shapes, formulas, seeds, bad arguments."""

import numpy as np
import pytest

import nnzero as nz
from nnzero.datasets.toy_regression import REGRESSION_TOY_SETS, make_friedman, make_sine


def test_sine_without_noise_is_the_sine():
    x, y = make_sine(50, noise=0.0, seed=3)
    np.testing.assert_allclose(y, np.sin(x[:, 0]), atol=1e-6)
    assert x.min() >= -3 and x.max() <= 3


def test_friedman_without_noise_is_the_formula():
    x, y = make_friedman(50, noise=0.0, seed=3)
    x64 = x.astype(np.float64)
    expected = (10 * np.sin(np.pi * x64[:, 0] * x64[:, 1]) + 20 * (x64[:, 2] - 0.5) ** 2
                + 10 * x64[:, 3] + 5 * x64[:, 4])
    np.testing.assert_allclose(y, expected, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(REGRESSION_TOY_SETS))
def test_same_seed_same_set_other_seed_other_set(name):
    make, features = REGRESSION_TOY_SETS[name]
    a, b, c = make(40, seed=1), make(40, seed=1), make(40, seed=2)
    assert a[0].shape == (40, features) and a[1].dtype == np.float32
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("kwargs, error", [
    ({"n_samples": 0}, nz.InvalidArgumentError),
    ({"noise": -1.0}, nz.InvalidArgumentError),
    ({"seed": -1}, nz.InvalidArgumentError),
    ({"n_samples": "ten"}, nz.InvalidTypeError),
])
@pytest.mark.parametrize("make", [make_sine, make_friedman])
def test_bad_arguments(make, kwargs, error):
    with pytest.raises(error):
        make(**kwargs)


def test_generator_is_used_as_is():
    rng = np.random.default_rng(0)
    first = make_sine(5, seed=rng)[0]
    assert not np.array_equal(first, make_sine(5, seed=rng)[0])


def test_every_regression_set_is_a_run_dataset_and_listed():
    from nnzero.cli.catalog import dataset_rows
    from nnzero.runs.config import DATASETS, REGRESSION_DATASETS

    assert set(REGRESSION_DATASETS) == set(REGRESSION_TOY_SETS) <= set(DATASETS)
    listed = {row.name: row for row in dataset_rows(verify=False)}
    for name, (_, features) in REGRESSION_TOY_SETS.items():
        assert listed[name].kind.startswith(f"toy regression, {features} feature")
