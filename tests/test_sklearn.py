"""nnzero.sklearn: scikit-learn's estimator checks, label handling,
partial_fit with early stopping, warm starts and the model-selection tools."""

import pickle
import warnings
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import nnzero as nz
from nnzero.sklearn import NNClassifier, NNRegressor, expected_failed_checks


def _blobs(n=90, centers=3, seed=0):
    x, y = make_blobs(n_samples=n, centers=centers, cluster_std=1.0, random_state=seed)
    return StandardScaler().fit_transform(x), y


def _name(estimator):
    return f"{type(estimator).__name__}-{estimator.dtype}"


def _run_checks(estimator, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            estimator, expected_failed_checks=expected_failed_checks(estimator), on_fail=None
        )
    status = Counter(r["status"] for r in results)
    run = len(results) - status["skipped"]
    with capsys.disabled():
        print(
            f"\ncheck_estimator({_name(estimator)}): {len(results)} checks, {run} run, "
            f"{status['passed']} passed, {status['xfail']} expected failures, "
            f"{status['skipped']} skipped"
        )
    failed = [f"{r['check_name']}: {r['exception']!r}"[:300] for r in results
              if r["status"] == "failed"]
    return status, run, failed


# A small network and few epochs keep the ~120 checks to seconds; the checks
# pass at the default settings too, only slower.
SMALL = {"hidden_layer_sizes": (16,), "epochs": 40, "learning_rate": 0.03}


@pytest.mark.parametrize("estimator", [NNClassifier(**SMALL), NNRegressor(**SMALL)], ids=_name)
def test_check_estimator_passes(estimator, capsys):
    status, run, failed = _run_checks(estimator, capsys)
    assert not failed, failed
    # Everything that ran passed; no check needs to be declared failing.
    assert status["passed"] == run >= 55
    assert status["xfail"] == 0


@pytest.mark.parametrize(
    "estimator",
    [NNClassifier(dtype="float32", **SMALL), NNRegressor(dtype="float32", **SMALL)],
    ids=_name,
)
def test_check_estimator_float32_fails_only_the_declared_precision_checks(estimator, capsys):
    status, run, failed = _run_checks(estimator, capsys)
    assert not failed, failed
    assert status["passed"] + status["xfail"] == run
    assert status["xfail"] <= len(expected_failed_checks(estimator))


@pytest.mark.parametrize(
    "labels",
    [np.array(["ant", "bee", "cat"]), np.array([-7, 3, 100]),
     np.array(["x", "yy", "zzz"], dtype=object)],
    ids=["strings", "sparse-ints", "objects"],
)
def test_classifier_takes_any_label_type(labels):
    x, y = _blobs()
    y = labels[y]
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.02, random_state=0).fit(x, y)
    assert clf.classes_.tolist() == sorted(labels.tolist())
    pred = clf.predict(x)
    assert pred.dtype == y.dtype and set(pred) <= set(labels)
    assert clf.score(x, y) > 0.9
    proba = clf.predict_proba(x)
    assert proba.shape == (len(x), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


def test_classifier_fitted_attributes():
    x, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8, 4), epochs=15, random_state=0).fit(x, y)
    assert isinstance(clf.model_, nz.Sequential)
    assert clf.n_features_in_ == 2
    assert clf.n_iter_ == len(clf.loss_curve_) == 15
    assert clf.t_ == 15 * len(x)
    assert clf.validation_scores_ is None and clf.validation_loss_curve_ is None
    assert [layer.units for layer in clf.model_.layers] == [8, 4, 3]


def test_one_class_is_refused_clearly():
    with pytest.raises(nz.NNZeroError, match="at least 2 classes"):
        NNClassifier().fit(np.ones((4, 2)), ["a"] * 4)


def test_parameters_are_checked_in_fit_not_in_the_constructor():
    clf = NNClassifier(hidden_layer_sizes=(0,), learning_rate=-1)  # no error yet
    with pytest.raises(nz.InvalidArgumentError, match="hidden_layer_sizes"):
        clf.fit(*_blobs())
    with pytest.raises(nz.InvalidArgumentError, match="learning_rate"):
        NNRegressor(learning_rate=-1).fit(np.ones((3, 1)), np.ones(3))
    with pytest.raises(nz.InvalidTypeError, match="batch_size"):
        NNRegressor(batch_size="big").fit(np.ones((3, 1)), np.ones(3))


def test_multi_output_regression():
    x, yy = make_regression(n_samples=120, n_features=5, n_targets=3, noise=0.1, random_state=0)
    yy = yy / yy.std(axis=0)
    reg = NNRegressor(hidden_layer_sizes=(32,), learning_rate=0.01, random_state=0).fit(x, yy)
    assert reg.n_outputs_ == 3 and reg.predict(x).shape == (120, 3)
    assert reg.score(x, yy) > 0.95
    single = NNRegressor(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(x, yy[:, 0])
    assert single.predict(x).shape == (120,)


def test_sample_weight_changes_the_fit_and_zero_weight_drops_samples():
    x, y = _blobs(n=60, centers=2)
    kw = {"hidden_layer_sizes": (8,), "epochs": 30, "random_state": 0}
    w = np.where(y == 0, 5.0, 1.0)
    plain = NNClassifier(**kw).fit(x, y).predict_proba(x)
    weighted = NNClassifier(**kw).fit(x, y, sample_weight=w).predict_proba(x)
    assert not np.allclose(plain, weighted)
    # Zero-weight samples leave the result as if they were not there (full batches).
    extra = np.vstack([x, x[:10] + 3.0])
    ye = np.concatenate([y, 1 - y[:10]])
    we = np.concatenate([np.ones(len(x)), np.zeros(10)])
    kw["shuffle"] = False
    dropped = NNClassifier(**kw).fit(x, y).predict_proba(x)
    zeroed = NNClassifier(**kw).fit(extra, ye, sample_weight=we).predict_proba(x)
    np.testing.assert_allclose(zeroed, dropped, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="sample_weight"):
        NNClassifier(**kw).fit(x, y, sample_weight=np.ones(3))


def test_partial_fit_needs_classes_first_and_counts_epochs():
    x, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(x, y)
    for i in range(4):
        part = slice(i * 20, (i + 1) * 20)
        clf.partial_fit(x[part], y[part], classes=[0, 1, 2] if i == 0 else None)
        assert clf.n_iter_ == len(clf.loss_curve_) == i + 1
    assert clf.t_ == 80
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(x, y, classes=[0, 1])
    with pytest.raises(ValueError, match="labels"):
        clf.partial_fit(x, np.full(len(x), 9))
    assert clf.n_iter_ == 4  # refused calls do not count
    # partial_fit after fit continues the same model and its counters.
    clf.set_params(epochs=5).fit(x, y)
    clf.partial_fit(x, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 6


def test_partial_fit_with_early_stopping():
    x, y = _blobs(n=200)
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.05, early_stopping=True,
                       validation_fraction=0.25, n_iter_no_change=3, tol=0.0, random_state=0)
    calls = 0
    while not getattr(clf, "stopped_early_", False) and calls < 200:
        clf.partial_fit(x, y, classes=np.unique(y))
        calls += 1
        # The validation curves stay aligned with the training curve.
        assert clf.n_iter_ == len(clf.loss_curve_) == calls
        assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == calls
    assert clf.stopped_early_ and calls < 200
    xv, yv, _ = clf._validation
    assert len(xv) == 50  # held out by the first call, then reused
    # The run ends on the best validation epoch's weights...
    best = int(np.argmin(clf.validation_loss_curve_))
    assert clf.best_loss_ == clf.validation_loss_curve_[best]
    assert calls - 1 - best == 3
    now = clf.model_.evaluate(xv, yv)["loss"]
    assert now == pytest.approx(clf.best_loss_, rel=1e-12)
    # ...and later calls leave the stopped run alone until fit() starts anew.
    weights = clf.model_.get_weights()
    clf.partial_fit(x, y)
    assert clf.n_iter_ == calls
    assert all(np.array_equal(a, b) for a, b in zip(weights, clf.model_.get_weights(), strict=True))
    clf.set_params(epochs=4).fit(x, y)
    assert clf.n_iter_ == 4 and not clf.stopped_early_


def test_partial_fit_after_an_early_stopped_fit_starts_a_new_run():
    x, y = _blobs(n=200)
    clf = NNClassifier(hidden_layer_sizes=(16,), learning_rate=0.05, early_stopping=True,
                       n_iter_no_change=2, tol=0.0, epochs=500, random_state=0).fit(x, y)
    assert clf.stopped_early_
    n, validation = clf.n_iter_, clf._validation
    clf.partial_fit(x, y)  # trains on: a fit's stop does not block partial_fit
    assert clf.n_iter_ == n + 1 and not clf.stopped_early_
    assert clf._validation is validation  # judged on the fit's validation set
    assert len(clf.validation_scores_) == clf.n_iter_


def test_fit_with_early_stopping_restores_the_best_epoch():
    x, y = make_regression(n_samples=150, n_features=4, noise=30.0, random_state=1)
    reg = NNRegressor(hidden_layer_sizes=(64,), learning_rate=0.05, epochs=300, alpha=0.0,
                      early_stopping=True, n_iter_no_change=5, random_state=0)
    reg.fit(x, y / y.std())
    assert reg.stopped_early_ and reg.n_iter_ < 300
    assert len(reg.validation_scores_) == reg.n_iter_
    assert reg.best_loss_ == min(reg.validation_loss_curve_)
    xv, yv, _ = reg._validation
    assert reg.model_.evaluate(xv, yv)["loss"] == pytest.approx(reg.best_loss_, rel=1e-12)


def test_warm_start_continues_training():
    x, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=5, warm_start=True, random_state=0)
    clf.fit(x, y)
    first = clf.model_
    clf.fit(x, y)
    assert clf.model_ is first and clf.n_iter_ == len(clf.loss_curve_) == 10
    assert clf.loss_curve_[5] < clf.loss_curve_[0]
    clf.set_params(warm_start=False).fit(x, y)
    assert clf.model_ is not first and clf.n_iter_ == 5
    with pytest.raises(ValueError, match="labels"):
        clf.set_params(warm_start=True).fit(x, y + 10)


def test_random_state_makes_results_reproducible():
    x, y = _blobs()
    kw = {"hidden_layer_sizes": (8,), "epochs": 10, "dropout": 0.2, "early_stopping": True}
    a = NNClassifier(random_state=3, **kw).fit(x, y).predict_proba(x)
    b = NNClassifier(random_state=3, **kw).fit(x, y).predict_proba(x)
    c = NNClassifier(random_state=4, **kw).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_pipeline_cross_val_score_grid_search_and_clone():
    x, y = _blobs(n=120)
    pipe = make_pipeline(StandardScaler(), NNClassifier(hidden_layer_sizes=(8,), epochs=40,
                                                        learning_rate=0.02, random_state=0))
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    grid = GridSearchCV(pipe, {"nnclassifier__hidden_layer_sizes": [(4,), (16,)],
                               "nnclassifier__alpha": [0.0, 1e-3]}, cv=3)
    grid.fit(x, y)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.best_estimator_.predict(x).shape == (120,)
    twin = clone(grid.best_estimator_)
    assert twin.get_params()["nnclassifier__hidden_layer_sizes"] in [(4,), (16,)]
    assert not hasattr(twin[-1], "model_")


def test_fitted_estimator_pickles_and_saves(tmp_path):
    x, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(x, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(x), clf.predict_proba(x))
    clf.model_.save(tmp_path / "m.nnz")
    restored = nz.load_model(tmp_path / "m.nnz")
    np.testing.assert_array_equal(restored.predict(x), clf.model_.predict(x))


def test_early_stopping_on_tiny_data_splits_without_stratifying():
    x = np.arange(10.0).reshape(5, 2)
    clf = NNClassifier(hidden_layer_sizes=(4,), epochs=3, early_stopping=True, random_state=0)
    assert clf.fit(x[:4], ["a", "b", "a", "b"]).n_iter_ == 3
    assert clf.fit(x, ["a", "b", "a", "b", "c"]).n_iter_ == 3
    with pytest.raises(ValueError, match="none to train on"):
        NNRegressor(early_stopping=True).fit(x[:1], [1.0])
