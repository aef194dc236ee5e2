"""What a run adds around fit: scalings, regression targets, class weights,
early stopping."""

import numpy as np
import pytest

import nnzero as nz
from nnzero.runs.data import RunData, encode_targets
from nnzero.runs.fitting import FitPlan, balanced_class_weights, finish_fit, plan_fit

RNG = np.random.default_rng(0)


def _data(n=60, regression=False, val=True):
    x = RNG.normal(loc=50, scale=10, size=(n, 3)).astype(np.float32)
    y = (x @ [1.0, -2.0, 0.5]).astype(np.float32) if regression else (x[:, 0] > 50).astype(
        np.int64)
    half = n // 2
    names = [] if regression else ["a", "b"]
    return RunData("t", x[:half], y[:half], x[half:] if val else None,
                   y[half:] if val else None, x[half:], y[half:], names)


CONFIG = {"early_stopping": 0, "class_weight": None}


def test_balanced_weights_agree_with_scikit_learn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 0, 1, 2, 2])
    ours = balanced_class_weights(y, 3)
    theirs = compute_class_weight("balanced", classes=np.arange(3), y=y)
    assert list(ours.values()) == pytest.approx(list(theirs))


def test_absent_class_weighs_one():
    assert balanced_class_weights(np.array([0, 0, 2]), 3)[1] == 1.0


def test_features_are_standardised_with_the_training_rows():
    data = _data()
    plan = plan_fit(CONFIG, data, lambda y: y, scale_features=True)
    np.testing.assert_allclose(plan.x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(plan.x.std(axis=0), 1, atol=1e-5)
    assert plan.x.dtype == np.float32 and plan.validation[0].dtype == np.float32
    assert plan_fit(CONFIG, data, lambda y: y).x is data.x_train


def test_regression_standardises_the_target_as_a_column():
    data = _data(regression=True)
    plan = plan_fit(CONFIG, data, None, regression=True)
    assert plan.y.shape == (30, 1) and abs(float(plan.y.mean())) < 1e-5


def test_class_weight_balanced_reaches_fit():
    data = _data()
    plan = plan_fit(dict(CONFIG, class_weight="balanced"), data, lambda y: y)
    assert set(plan.kwargs["class_weight"]) == {0, 1}


def test_class_weight_balanced_is_refused_for_regression():
    with pytest.raises(nz.InvalidArgumentError, match="applies to classification"):
        plan_fit(dict(CONFIG, class_weight="balanced"), _data(regression=True), None,
                 regression=True)


def test_early_stopping_needs_validation():
    with pytest.raises(nz.InvalidArgumentError, match="validation_split > 0"):
        plan_fit(dict(CONFIG, early_stopping=2), _data(val=False), lambda y: y)
    plan = plan_fit(dict(CONFIG, early_stopping=2), _data(), lambda y: y)
    (stopper,) = plan.callbacks
    assert stopper.patience == 2 and stopper.restore_best_weights


def test_trained_regressor_answers_raw_rows_in_the_targets_units():
    data = _data(n=200, regression=True)
    model = nz.Sequential([nz.layers.Dense(1)], seed=0)
    model.compile(optimizer=nz.optimizers.Adam(0.05), loss="mse")
    plan = plan_fit(CONFIG, data, None, scale_features=True, regression=True)
    model.fit(plan.x, plan.y, epochs=60, batch_size=16, verbose=0)
    finish_fit(model, plan)
    predicted = model.predict(data.x_test)[:, 0]
    np.testing.assert_allclose(predicted, data.y_test, rtol=0, atol=0.05 * data.y_test.std())


def test_classifier_with_folded_scaling_predicts_as_before():
    data = _data()
    model = nz.Sequential([nz.layers.Dense(4, activation="tanh"),
                           nz.layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    encode = lambda y: encode_targets(y, model.loss, 2)  # noqa: E731
    plan = plan_fit(CONFIG, data, encode, scale_features=True)
    model.fit(plan.x, plan.y, epochs=2, verbose=0)
    before = model.predict(plan.x_scaling.apply(data.x_test))
    finish_fit(model, plan)
    np.testing.assert_allclose(model.predict(data.x_test), before, atol=1e-5)


def test_nothing_to_fold():
    finish_fit(None, FitPlan(None, None, None))
