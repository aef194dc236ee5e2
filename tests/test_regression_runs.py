"""Regression helpers: R², RMSE, scalings folded into the network, the plot."""

import numpy as np
import pytest
from sklearn import metrics as skm

import nnzero as nz
from nnzero.runs.regression import (
    Scaling,
    fold_input_scaling,
    fold_output_scaling,
    predicted_vs_true,
    r2_score,
    regression_scores,
    rmse,
)

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(50,), (50, 3)])
def test_scores_agree_with_scikit_learn(shape):
    y = RNG.normal(size=shape)
    p = y + RNG.normal(scale=0.5, size=shape)
    assert r2_score(y, p) == pytest.approx(skm.r2_score(y, p), rel=1e-12)
    assert rmse(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)), rel=1e-12)
    assert regression_scores(y, p)["mae"] == pytest.approx(skm.mean_absolute_error(y, p))


def test_constant_target():
    assert r2_score([2, 2], [2, 2]) == 1.0
    assert r2_score([2, 2], [2, 3]) == 0.0


@pytest.mark.parametrize("a, b", [([1, 2], [1]), ([], [])])
def test_mismatched_or_empty_inputs_are_refused(a, b):
    with pytest.raises(nz.InvalidArgumentError, match="same, non-empty shape"):
        r2_score(a, b)


def test_scaling_of_a_constant_column_is_one():
    s = Scaling.fit(np.array([[1.0, 7.0], [3.0, 7.0]]))
    assert s.scale.tolist() == [1.0, 1.0]
    assert s.apply(np.array([[1.0, 7.0]], np.float32)).dtype == np.float32


def _model(layers, dtype="float64"):
    model = nz.Sequential(layers, seed=3, dtype=dtype)
    model.build((3,))
    return model


def test_input_scaling_folded_into_the_first_dense_layer():
    x = RNG.normal(loc=[5, -100, 0.01], scale=[2, 50, 0.001], size=(20, 3))
    s = Scaling.fit(x)
    model = _model([nz.layers.Dropout(0.2), nz.layers.Dense(4, activation="tanh"),
                    nz.layers.Dense(2)])
    before = model.predict(s.apply(x))
    fold_input_scaling(model, s)
    np.testing.assert_allclose(model.predict(x), before, rtol=1e-10, atol=1e-10)


def test_input_scaling_folded_into_batch_normalisation_without_bias():
    x = RNG.normal(loc=3, scale=4, size=(64, 3))
    s = Scaling.fit(x)
    model = _model([nz.layers.Dense(4, use_bias=False), nz.layers.BatchNormalization(),
                    nz.layers.Activation("relu"), nz.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(s.apply(x), x[:, :1], epochs=2, verbose=0)  # moving statistics move
    before = model.predict(s.apply(x))
    fold_input_scaling(model, s)
    np.testing.assert_allclose(model.predict(x), before, rtol=1e-9, atol=1e-9)


def test_input_scaling_cannot_pass_other_layers():
    model = _model([nz.layers.Activation("relu"), nz.layers.Dense(1)])
    with pytest.raises(nz.InvalidArgumentError, match="past a Activation"):
        fold_input_scaling(model, Scaling(np.zeros(3), np.ones(3)))
    model = _model([nz.layers.Dense(2, use_bias=False), nz.layers.Dense(1)])
    with pytest.raises(nz.InvalidArgumentError, match="without a bias"):
        fold_input_scaling(model, Scaling(np.zeros(3), np.ones(3)))
    model = _model([nz.layers.Activation("relu")])
    with pytest.raises(nz.InvalidArgumentError, match="no Dense layer"):
        fold_input_scaling(model, Scaling(np.zeros(3), np.ones(3)))


def test_output_scaling_gives_the_targets_units():
    model = _model([nz.layers.Dense(4, activation="relu"), nz.layers.Dense(2)])
    x = RNG.normal(size=(5, 3))
    before = model.predict(x)
    fold_output_scaling(model, Scaling(np.array([100.0, -1.0]), np.array([25.0, 0.5])))
    np.testing.assert_allclose(model.predict(x), before * [25.0, 0.5] + [100.0, -1.0],
                               rtol=1e-12)


def test_output_scaling_needs_a_linear_output_with_bias():
    for last in (nz.layers.Dense(1, activation="sigmoid"), nz.layers.Dense(1, use_bias=False)):
        with pytest.raises(nz.InvalidArgumentError, match="linear output layer"):
            fold_output_scaling(_model([last]), Scaling(np.zeros(1), np.ones(1)))
    with pytest.raises(nz.InvalidArgumentError, match="does not end in a Dense"):
        fold_output_scaling(_model([nz.layers.Dense(1), nz.layers.Activation("relu")]),
                            Scaling(np.zeros(1), np.ones(1)))


def test_predicted_vs_true_plot():
    import matplotlib.pyplot as plt

    figure = predicted_vs_true([1.0, 2.0, 3.0], [1.5, 2.0, 2.5])
    try:
        assert figure.axes[0].get_ylabel() == "predicted value"
        assert "R² 0.750" in [t.get_text() for t in figure.axes[0].get_legend().get_texts()][1]
    finally:
        plt.close(figure)
