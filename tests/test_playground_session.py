"""The playground's logic without a browser: settings, points, sessions, traces, exports."""

from __future__ import annotations

import copy
import os
import runpy

import numpy as np
import pytest

import nnzero as nz
from nnzero.playground import export
from nnzero.playground.data import (
    EXTENT,
    MAX_UPLOAD_BYTES,
    features,
    make_points,
    parse_upload,
    points_csv,
)
from nnzero.playground.session import GRID, Session, split_indices
from nnzero.playground.settings import DEFAULTS, PlaygroundError, check_settings
from nnzero.playground.trace import trace_sample


def weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# -- settings ---------------------------------------------------------------------

def test_settings_defaults_and_feature_order():
    s = check_settings({"features": ["sinx2", "x1"]})
    assert s["features"] == ["x1", "sinx2"]
    assert {k: v for k, v in s.items() if k != "features"} == {
        k: v for k, v in DEFAULTS.items() if k != "features"}


@pytest.mark.parametrize("values, words", [
    ([1, 2], "must be an object"),
    ({"speed": 1}, "Unknown setting 'speed'"),
    ({"problem": "ranking"}, "problem must be one of"),
    ({"dataset": "plane"}, "dataset must be one of"),  # a regression set for classification
    ({"noise": 0.9}, "noise must be between"),
    ({"noise": True}, "noise must be a finite number"),
    ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
    ({"train_ratio": 1.0}, "train_ratio must be between"),
    ({"batch_size": 2.5}, "batch_size must be a whole number"),
    ({"batch_size": 0}, "batch_size must be between"),
    ({"layers": [1] * 7}, "at most 6"),
    ({"layers": [9]}, "1 to 8 neurons"),
    ({"layers": [True]}, "1 to 8 neurons"),
    ({"layers": "4,2"}, "layers must be a list"),
    ({"features": []}, "features must be a non-empty list"),
    ({"features": ["x3"]}, "features must be a non-empty list"),
    ({"activation": "softmax"}, "activation must be one of"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"regularization": "l3"}, "regularization must be one of"),
    ({"batch_norm": "yes"}, "batch_norm must be true or false"),
    ({"seed": -1}, "seed must be between"),
])
def test_bad_settings_name_the_key(values, words):
    with pytest.raises(PlaygroundError, match=words):
        check_settings(values)


# -- points -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "plane", "multigauss"])
def test_every_set_is_seeded_and_inside_the_plane(name):
    x, y = make_points(name, noise=0.3, seed=4)
    again, _ = make_points(name, noise=0.3, seed=4)
    other, _ = make_points(name, noise=0.3, seed=5)
    assert x.shape == (500, 2) and y.shape == (500,)
    assert np.array_equal(x, again) and not np.array_equal(x, other)
    assert np.abs(x).max() <= EXTENT
    if name in ("plane", "multigauss"):
        assert np.abs(y).max() <= 1 and len(np.unique(y)) > 100
    else:
        assert sorted(np.unique(y)) == [0.0, 1.0] and 150 < y.sum() < 350


def test_noise_moves_the_points():
    clean, _ = make_points("circle", noise=0.0, seed=0)
    noisy, _ = make_points("circle", noise=0.5, seed=0)
    radius = np.hypot(*clean.T)
    assert radius[:250].max() <= 2.5 and radius[250:].min() >= 3.5  # a clear gap
    assert not np.array_equal(clean, noisy)


def test_unknown_set_is_refused():
    with pytest.raises(PlaygroundError, match="dataset must be one of"):
        make_points("moons", 0.0, 0)


def test_features_are_computed_from_the_points():
    x = np.array([[1.0, -2.0]])
    names = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
    assert features(x, names)[0] == pytest.approx([1, -2, 1, 4, -2, np.sin(1), np.sin(-2)])


# -- uploads ----------------------------------------------------------------------

def test_upload_of_text_labels_is_a_classification_scaled_into_the_plane():
    x, y, problem, names = parse_upload(b"w,h,kind\n0,10,cat\n5,20,dog\n10,30,cat\n")
    assert problem == "classification" and names == ["cat", "dog"]
    assert y.tolist() == [0, 1, 0]
    assert x.min() == -EXTENT and x.max() == EXTENT


def test_upload_of_numeric_labels():
    _, y, problem, names = parse_upload(b"a,b,y\n0,0,-1\n1,1,1\n2,2,-1\n")
    assert problem == "classification" and names == ["-1", "1"] and y.tolist() == [0, 1, 0]


def test_upload_of_continuous_labels_is_a_regression():
    _, y, problem, names = parse_upload(b"a,b,y\n0,0,0.5\n1,1,2.25\n2,2,4.0\n")
    assert problem == "regression" and names is None
    assert y.tolist() == pytest.approx([-1.0, 0.0, 1.0])


@pytest.mark.parametrize("content, words", [
    (b"a,b,c,label\n1,2,3,x\n4,5,6,y\n", "two feature columns"),
    (b"a,b,label\n1,2,x\n4,5,y\n7,8,z\n", "two classes"),
    (b"a,b,label\n1,2,x\n4,5,x\n", "two classes"),
    (b"a,b,label\n1,nan,x\n4,5,y\n", "not a finite number"),
    (b"a,b,label\n1,2,0.5\n4,5,inf\n", "upload: "),
    (b"", "upload: "),
    (b"\x00\xff\xfe garbage", "upload: "),
    (b"a,b,label\n1,oops,x\n", "upload: "),
])
def test_bad_uploads_raise_a_clear_error(content, words):
    with pytest.raises(PlaygroundError, match=words) as info:
        parse_upload(content)
    assert "nnzero-upload-" not in str(info.value)  # the temporary path is not shown


def test_upload_size_and_type_limits():
    with pytest.raises(PlaygroundError, match="limit is 10 MB"):
        parse_upload(b"0" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(PlaygroundError, match="expected bytes"):
        parse_upload("a,b,c\n")


def test_points_csv_reads_back_as_the_same_float32_numbers(tmp_path):
    x = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    y = np.arange(50) % 2
    path = tmp_path / "d.csv"
    path.write_text(points_csv(x, y, ["x1", "sinx1"], "classification"))
    back, labels, _ = nz.datasets.load_csv(path, target="label")
    assert np.array_equal(back, x) and labels.tolist() == y.tolist()
    assert path.read_text().splitlines()[0] == "x1,sin_x1,label"


# -- sessions ---------------------------------------------------------------------

SETTINGS = {"dataset": "circle", "layers": [6, 3], "learning_rate": 0.1, "seed": 11}


def test_same_settings_give_the_same_run():
    a, b = Session(SETTINGS), Session(SETTINGS)
    frames_a = [a.tick() for _ in range(5)]
    frames_b = [b.tick() for _ in range(5)]
    assert frames_a == frames_b
    assert weights_equal(a.model.get_weights(), b.model.get_weights())
    c = Session({**SETTINGS, "seed": 12})
    assert c.tick()["test_loss"] != frames_a[0]["test_loss"]


def test_reset_starts_the_same_run_again():
    session = Session(SETTINGS)
    first = [session.tick()["train_loss"] for _ in range(3)]
    session.reset()
    assert session.epoch == 0
    assert [session.tick()["train_loss"] for _ in range(3)] == first


def test_training_makes_the_test_loss_fall_on_circle():
    session = Session(SETTINGS)
    start = session.frame()["test_loss"]
    for _ in range(40):
        frame = session.tick()
    assert frame["epoch"] == 40 and frame["test_loss"] < 0.3 * start


def test_a_frame_holds_every_neuron_and_the_output_over_the_grid():
    import base64

    session = Session({**SETTINGS, "features": ["x1", "x2", "x1x2"]})
    frame = session.tick()
    assert [len(layer) for layer in frame["neurons"]] == [6, 3]
    assert all(len(base64.b64decode(m)) == GRID * GRID for layer in frame["neurons"]
               for m in layer)
    output = np.frombuffer(base64.b64decode(frame["output"]), dtype="<f4")
    assert np.array_equal(output, session.predict(session.grid)[:, 0])
    assert [np.shape(w["kernel"]) for w in frame["weights"]] == [(3, 6), (6, 3), (3, 1)]
    first = base64.b64decode(frame["neurons"][0][0])
    assert first != base64.b64decode(session.tick()["neurons"][0][0])


def test_the_split_follows_the_train_ratio_and_is_stratified():
    session = Session({"train_ratio": 0.8})
    assert len(session.x_train) == 400 and len(session.x_test) == 100
    assert session.y_test.sum() == 50
    train, test = split_indices(np.array([0.5, 0.2, 0.1, 0.9]), 0.5, 0, stratify=False)
    assert sorted([*train, *test]) == [0, 1, 2, 3]
    with pytest.raises(PlaygroundError, match="Cannot hold out"):
        split_indices(np.array([0.0, 1.0, 1.0]), 0.9, 0, stratify=True)


def test_every_option_trains():
    for extra in ({"optimizer": "adam", "batch_norm": True, "dropout": 0.2},
                  {"optimizer": "momentum", "regularization": "l1", "reg_rate": 0.01},
                  {"optimizer": "rmsprop", "activation": "relu", "layers": []},
                  {"optimizer": "adagrad", "activation": "sigmoid", "regularization": "l2",
                   "reg_rate": 0.001},
                  {"problem": "regression", "dataset": "multigauss", "activation": "linear",
                   "learning_rate": 0.001}):
        frame = Session(extra).tick()
        assert frame["train_loss"] is not None and frame["epoch"] == 1


def test_a_diverging_run_reports_a_missing_loss_without_warnings(recwarn):
    frame = Session({"problem": "regression", "dataset": "plane", "activation": "linear",
                     "learning_rate": 1.0, "features": ["x1sq", "x2sq"]}).tick()
    assert frame["train_loss"] is None and frame["epoch"] == 1
    assert not [w for w in recwarn if issubclass(w.category, nz.NonFiniteLossWarning)]


def test_bad_settings_leave_the_session_as_it_was():
    session = Session(SETTINGS)
    session.tick()
    with pytest.raises(PlaygroundError, match="no CSV file"):
        session.apply({**SETTINGS, "dataset": "upload"})
    with pytest.raises(PlaygroundError, match="at least 4 points"):
        session.apply({**SETTINGS, "dataset": "custom"})
    assert session.settings["dataset"] == "circle"
    assert session.tick()["epoch"] == 1  # a new run after the failed change, still working


def test_an_upload_replaces_the_data_and_a_bad_one_changes_nothing():
    session = Session()
    rows = "\n".join(f"{i % 7},{i % 5},{'ab'[i % 2]}" for i in range(40))
    settings = session.load_upload(f"p,q,label\n{rows}\n".encode())
    assert settings["dataset"] == "upload" and len(session.points) == 40
    with pytest.raises(PlaygroundError):
        session.load_upload(b"p,q\n1,2\n")
    assert session.settings["dataset"] == "upload" and len(session.points) == 40
    regression = "\n".join(f"{i},{i % 3},{i / 7}" for i in range(20))
    assert session.load_upload(f"a,b,t\n{regression}\n".encode())["problem"] == "regression"


def test_a_large_upload_is_drawn_through_a_sample_of_its_points():
    from nnzero.playground.session import MAX_DRAWN_POINTS

    n = 3 * MAX_DRAWN_POINTS
    rows = "\n".join(f"{i % 101},{i % 37},{i % 2}" for i in range(n))
    session = Session()
    session.load_upload(f"a,b,label\n{rows}\n".encode())
    data = session.data_message()
    assert data["n_train"] + data["n_test"] == n
    assert len(data["train"]) == len(data["test"]) == MAX_DRAWN_POINTS


def test_clicked_points_extend_the_data_on_screen():
    session = Session({"dataset": "xor"})
    session.add_point(1.5, -2.0, 1)
    assert session.settings["dataset"] == "custom" and len(session.points) == 501
    session.add_point(-1.0, 0.5, 0)
    assert len(session.points) == 502 and session.points[-1].tolist() == [-1.0, 0.5]


@pytest.mark.parametrize("point, words", [
    ((7.0, 0.0, 1), "must lie in"),
    ((0.0, 0.0, 2), "label must be 0 or 1"),
    ((float("nan"), 0.0, 1), "x1 must be a finite number"),
    ((0.0, True, 1), "x2 must be a finite number"),
])
def test_bad_clicked_points_are_refused(point, words):
    session = Session()
    with pytest.raises(PlaygroundError, match=words):
        session.add_point(*point)
    assert session.settings["dataset"] == "circle"


# -- the step view ----------------------------------------------------------------

def inference_loss(session, x, y):
    h = x
    for layer in session.model.layers:
        h = layer.forward(h, training=False)
    return float(session.model.loss.value(y, h))


@pytest.mark.parametrize("extra", [{}, {"batch_norm": True, "dropout": 0.1}])
def test_the_trace_gradients_are_the_loss_gradients(extra):
    session = Session({"layers": [4, 3], "activation": "tanh", **extra})
    for _ in range(3):
        session.tick()
    t = trace_sample(session, 7)
    x, y = session.x_train[7:8], session.y_train[7:8]
    assert t["loss"] == pytest.approx(inference_loss(session, x, y), rel=1e-5)
    kernel = session.blocks()[1][0].kernel
    eps = 1e-2
    for i, j in ((0, 0), (2, 1), (3, 2)):
        old = kernel[i, j]
        kernel[i, j] = old + eps
        up = inference_loss(session, x, y)
        kernel[i, j] = old - eps
        down = inference_loss(session, x, y)
        kernel[i, j] = old
        assert t["layers"][1]["grad_kernel"][i][j] == pytest.approx((up - down) / (2 * eps),
                                                                    abs=2e-4)
    assert [len(c["a"]) for c in t["layers"]] == [4, 3, 1]


def test_a_trace_matches_the_engines_own_backward_pass():
    session = Session({"layers": [5], "activation": "relu"})
    session.tick()
    t = trace_sample(session, 3)
    model = copy.deepcopy(session.model)
    x, y = session.x_train[3:4], session.y_train[3:4]
    h = x
    for layer in model.layers:
        h = layer.forward(h, training=True)
    grad = model.loss.gradient(y, h)
    for layer in reversed(model.layers):
        grad = layer.backward(grad)
    assert np.allclose(t["layers"][0]["grad_kernel"], model.layers[0].grads[0], rtol=1e-4,
                       atol=1e-7)


def test_a_trace_comes_from_model_trace_where_the_library_has_it():
    dense_only = trace_sample(Session({"layers": [3]}), 0)
    expected = "model.trace" if callable(getattr(nz.Sequential, "trace", None)) else "layers"
    assert dense_only["source"] == expected
    # Dropout and batch normalisation train differently from what the page draws.
    assert trace_sample(Session({"layers": [3], "batch_norm": True}), 0)["source"] == "layers"


def test_a_trace_with_one_input_keeps_its_kernel_gradient_a_matrix():
    t = trace_sample(Session({"features": ["x1x2"], "layers": [3]}), 0)
    assert np.shape(t["layers"][0]["grad_kernel"]) == (1, 3)
    assert np.shape(t["layers"][1]["grad_kernel"]) == (3, 1) and t["epoch"] == 0


def test_looking_at_a_trace_does_not_change_the_run():
    a, b = Session({"dropout": 0.3}), Session({"dropout": 0.3})
    a.tick()
    b.tick()
    trace_sample(a, 0)
    assert a.tick() == b.tick()


@pytest.mark.parametrize("index", [-1, 250, 1.5, True, "0"])
def test_a_trace_of_no_training_point_is_refused(index):
    with pytest.raises(PlaygroundError, match="index must be a whole number"):
        trace_sample(Session(), index)


# -- exports ----------------------------------------------------------------------

def write_exports(session, folder):
    (folder / export.DATA_FILE).write_text(export.data_csv(session))
    (folder / "playground.py").write_text(export.python_code(session))


@pytest.mark.parametrize("extra", [
    {"dataset": "spiral", "optimizer": "adam", "features": ["x1", "x2", "sinx1"],
     "train_ratio": 0.7, "batch_size": 400},
    {"dataset": "xor", "optimizer": "momentum", "regularization": "l2", "reg_rate": 0.001,
     "dropout": 0.1, "batch_norm": True, "seed": 5},
])
def test_the_config_export_trains_the_pages_weights(extra, tmp_path, monkeypatch):
    from nnzero.runs import load_toml, resolve_config, train_run

    session = Session({"layers": [5, 3], **extra})
    for _ in range(3):
        session.tick()
    monkeypatch.chdir(tmp_path)
    write_exports(session, tmp_path)
    (tmp_path / "playground.toml").write_text(export.config_toml(session))
    result = train_run(resolve_config(load_toml("playground.toml")), plots=False, log=None)
    assert weights_equal(result.model.get_weights(), session.model.get_weights())


@pytest.mark.parametrize("extra", [
    {"dataset": "gauss", "optimizer": "rmsprop", "features": ["x1", "x2", "x1sq"]},
    {"problem": "regression", "dataset": "plane", "regularization": "l1", "reg_rate": 0.003},
])
def test_the_python_export_trains_the_pages_weights(extra, tmp_path, monkeypatch):
    session = Session({"layers": [4], **extra})
    for _ in range(2):
        session.tick()
    monkeypatch.chdir(tmp_path)
    write_exports(session, tmp_path)
    runpy.run_path("playground.py", run_name="__main__")
    trained = nz.load_model("playground.nnz")
    assert weights_equal(trained.get_weights(), session.model.get_weights())


def test_the_model_export_loads_and_predicts_the_same(tmp_path):
    session = Session({"dataset": "spiral", "layers": [8, 8], "batch_norm": True})
    for _ in range(2):
        session.tick()
    path = tmp_path / "m.nnz"
    path.write_bytes(export.model_bytes(session))
    model = nz.load_model(path)
    grid = features(session.grid, session.settings["features"]).astype(np.float32)
    assert np.array_equal(model.predict(grid), session.predict(session.grid))


def test_an_untrained_page_exports_runnable_code_and_says_so(tmp_path, monkeypatch):
    session = Session()
    assert "had not trained yet" in export.config_toml(session)
    monkeypatch.chdir(tmp_path)
    write_exports(session, tmp_path)
    runpy.run_path("playground.py", run_name="__main__")
    assert os.path.exists("playground.nnz")


@pytest.mark.parametrize("extra, words", [
    ({"problem": "regression", "dataset": "plane"}, "classifies"),
    ({"regularization": "l1", "reg_rate": 0.01}, "L2 regularisation only"),
])
def test_what_a_run_config_cannot_hold_is_refused_with_the_way_out(extra, words):
    with pytest.raises(PlaygroundError, match=words):
        export.config_toml(Session(extra))


def test_the_frame_rate_benchmark_runs(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "playground_fps.py"
    done = subprocess.run([sys.executable, str(script), "--rounds", "2", "--frames", "2",
                           "--points", "40", "--threads", "1", "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # its timings depend on the machine; never asserted
    assert result["training_points"] == 40 and result["epochs_trained"] == 5
    bad = subprocess.run([sys.executable, str(script), "--frames", "0"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "at least 1" in bad.stderr
