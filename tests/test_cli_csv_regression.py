"""Tables in, predictions out; regression, early stopping, per-layer
activations and class weights from the command line."""

import contextlib
import csv
import gzip
import io
import json
import os
import threading

import numpy as np
import pytest

import nnzero as nz
from nnzero.cli import main

RNG = np.random.default_rng(0)


def _iris_like(path, n=150, delimiter=",", encoding="utf-8", gz=False):
    """Three classes in four features of very different scales, and an id column."""
    y = np.arange(n) % 3
    x = RNG.normal(size=(n, 4)) + y[:, None] * [1.5, 0.0, 2.0, 1.0]
    x *= [1000.0, 1.0, 0.01, 50.0]
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    lines = [delimiter.join(["id", "sepal", "noise", "petal", "width", "species"])]
    lines += [delimiter.join([str(1000 + i), *(repr(v) for v in row.tolist()), s])
              for i, (row, s) in enumerate(zip(x, names, strict=True))]
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes(gzip.compress(data) if gz else data)
    return x, names


def _train(tmp_path, *extra, name="run"):
    out = tmp_path / name
    # The settings given win over these defaults: click keeps an option's last value.
    code = main(["train", "--epochs", "30", "--layers", "16", "--learning-rate", "0.01",
                 *map(str, extra), "--no-plots", "--quiet", "--out", str(out)])
    assert code == 0
    return out


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_run_predicts_raw_rows_by_column_name(tmp_path, capsys):
    data = tmp_path / "iris.csv"
    x, names = _iris_like(data)
    out = _train(tmp_path, "--csv", data, "--target", "species")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["feature_names"] == ["id", "sepal", "noise", "petal", "width"]
    assert metrics["test_accuracy"] > 0.8  # standardised inputs: the scales do not matter
    # predictions.csv: the file's data-row numbers and the label names.
    lines = _rows((out / "predictions.csv").read_text())
    for line in lines:
        assert line["true_label"] == names[int(line["row"]) - 1]
    # A table with the columns in another order, without the target, one more column.
    rows = tmp_path / "new.csv"
    rows.write_text("width,petal,extra,noise,sepal,id\n" + "".join(
        f"{r[3]!r},{r[2]!r},x,{r[1]!r},{r[0]!r},{1000 + i}\n"
        for i, r in enumerate(x[:5].tolist())))
    capsys.readouterr()
    assert main(["predict", str(out / "model.nnz"), str(rows)]) == 0
    table = _rows(capsys.readouterr().out)
    model = nz.load_model(out / "model.nnz")
    raw = np.column_stack([1000 + np.arange(5), x[:5]]).astype(np.float32)
    expected = model.predict_proba(raw)
    got = np.array([[float(t[f"prob_{c}"]) for c in ("setosa", "versicolor", "virginica")]
                    for t in table], dtype=np.float32)
    np.testing.assert_array_equal(got, expected)
    assert [int(t["row"]) for t in table] == [1, 2, 3, 4, 5]
    assert [t["predicted"] for t in table] == [["setosa", "versicolor", "virginica"][i]
                                               for i in expected.argmax(axis=1)]


def test_predict_writes_to_out_and_names_a_missing_column(tmp_path, capsys):
    data = tmp_path / "iris.csv"
    _iris_like(data)
    out = _train(tmp_path, "--csv", data, "--target", "species")
    assert main(["predict", str(out / "model.nnz"), str(data), "--out",
                 str(tmp_path / "p.csv")]) == 0
    assert len(_rows((tmp_path / "p.csv").read_text())) == 150
    bad = tmp_path / "bad.csv"
    bad.write_text("sepal,noise,petal\n1,2,3\n")
    capsys.readouterr()
    assert main(["predict", str(out / "model.nnz"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "lacks the feature columns 'id'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("form", ["gzip", "latin1-semicolon", "target-index"])
def test_csv_formats(tmp_path, form):
    data = tmp_path / "iris.csv"
    args = ["--csv", data, "--target", "species"]
    if form == "gzip":
        data = tmp_path / "iris.csv.gz"
        _iris_like(data, gz=True)
        args = ["--csv", data, "--target", "species"]
    elif form == "latin1-semicolon":
        _iris_like(data, delimiter=";", encoding="latin-1")
        args += ["--encoding", "latin-1", "--delimiter", ";"]
    else:
        _iris_like(data)
        args = ["--csv", data, "--target", "-1"]
    out = _train(tmp_path, *args)
    assert json.loads((out / "metrics.json").read_text())["target"] == "species"


def test_csv_from_a_pipe(tmp_path):
    data = tmp_path / "iris.csv"
    _iris_like(data)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    def feed():
        with contextlib.suppress(BrokenPipeError):
            fifo.write_bytes(data.read_bytes())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        out = _train(tmp_path, "--csv", fifo, "--target", "species")
    finally:
        # If the run failed before reading the pipe, the writer still waits
        # for a reader: open and close the read end so it never hangs.
        if writer.is_alive():
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join()
    assert json.loads((out / "metrics.json").read_text())["n_test"] == 30


def test_config_paths_are_relative_to_the_config_file(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "project"
    folder.mkdir()
    _iris_like(folder / "iris.csv")
    (folder / "run.toml").write_text('csv = "iris.csv"\ntarget = "species"\nepochs = 2\n'
                                     'layers = [8]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--config", str(folder / "run.toml"), "--out", "r", "-q",
                 "--no-plots"]) == 0
    saved = nz.runs.load_toml(elsewhere / "r" / "config.toml")
    assert saved["csv"] == str(folder / "iris.csv")
    monkeypatch.chdir(tmp_path)  # evaluate from yet another directory
    capsys.readouterr()
    assert main(["evaluate", str(elsewhere / "r" / "model.nnz"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 30


def _diabetes_csv(path):
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*data.feature_names, "progression"])
        writer.writerows([*row, t] for row, t in zip(data.data, data.target, strict=True))


def test_regression_from_the_command_line(tmp_path, capsys):
    data = tmp_path / "diabetes.csv"
    _diabetes_csv(data)
    out = tmp_path / "run"
    assert main(["train", "--csv", str(data), "--target", "progression", "--loss", "mse",
                 "--layers", "16", "--epochs", "20", "--batch-size", "32", "--out", str(out),
                 "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "regression" and metrics["test_accuracy"] is None
    assert 0.2 < metrics["test_r2"] < 0.7 and 40 < metrics["test_rmse"] < 80
    assert (out / "predicted_vs_true.png").is_file()
    assert "predicted_vs_true.png" not in {"confusion_matrix.png"}
    assert "Predicted against true" in (out / "report.html").read_text()
    lines = _rows((out / "predictions.csv").read_text())
    assert set(lines[0]) == {"index", "row", "true", "predicted", "error"}
    # The model answers in the target's units, from raw rows.
    capsys.readouterr()
    assert main(["predict", str(out / "model.nnz"), str(data)]) == 0
    predicted = np.array([float(r["predicted"]) for r in _rows(capsys.readouterr().out)])
    assert 25 < predicted.mean() < 300
    capsys.readouterr()
    assert main(["evaluate", str(out / "model.nnz"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["r2"] == pytest.approx(metrics["test_r2"])


@pytest.mark.parametrize("dataset", ["sine", "friedman"])
def test_regression_toy_sets(tmp_path, dataset):
    out = tmp_path / "run"
    assert main(["train", "--dataset", dataset, "--loss", "mse", "--samples", "400",
                 "--layers", "32,32", "--activation", "tanh", "--epochs", "40",
                 "--learning-rate", "0.01", "--out", str(out), "-q", "--no-plots"]) == 0
    # Friedman's function with unit noise: R² 0.78 after 40 epochs here.
    assert json.loads((out / "metrics.json").read_text())["test_r2"] > 0.7


def test_regression_set_needs_mse(capsys):
    assert main(["train", "--dataset", "sine", "--out", "/tmp/nnzero-never"]) == 2
    assert "needs loss = 'mse'" in capsys.readouterr().err


def test_early_stopping_keeps_the_best_weights(tmp_path):
    out = _train(tmp_path, "--dataset", "moons", "--samples", "300", "--early-stopping", "2",
                 "--learning-rate", "0.3", "--optimizer", "sgd")
    metrics = json.loads((out / "metrics.json").read_text())
    history = json.loads((out / "history.json").read_text())
    if metrics["epochs"] < 30:
        assert metrics["stopped_reason"].startswith("early stopping")
    assert metrics["config"]["early_stopping"] == 2
    assert min(history["val_loss"]) <= history["val_loss"][-1]


def test_early_stopping_without_validation_is_refused(capsys):
    assert main(["train", "--dataset", "moons", "--early-stopping", "3",
                 "--validation-split", "0", "--out", "/tmp/nnzero-never"]) == 2
    assert "needs validation_split > 0" in capsys.readouterr().err


def test_one_activation_per_hidden_layer(tmp_path):
    out = _train(tmp_path, "--dataset", "moons", "--samples", "200", "--layers", "8,6",
                 "--activation", "tanh,relu")
    model = nz.load_model(out / "model.nnz")
    assert [layer.activation.registered_name for layer in model.layers] == [
        "tanh", "relu", "softmax"]


def test_activation_list_of_the_wrong_length_is_refused(capsys):
    assert main(["train", "--dataset", "moons", "--layers", "8,6", "--activation",
                 "tanh,relu,elu", "--out", "/tmp/nnzero-never"]) == 2
    assert "one activation per hidden layer: 2" in capsys.readouterr().err


def test_class_weight_balanced(tmp_path):
    data = tmp_path / "skewed.csv"
    x = RNG.normal(size=(200, 2))
    y = np.where(x[:, 0] > 1.0, "rare", "common")
    data.write_text("a,b,kind\n" + "".join(f"{a!r},{b!r},{k}\n" for (a, b), k in
                                           zip(x.tolist(), y, strict=True)))
    out = _train(tmp_path, "--csv", data, "--target", "kind", "--class-weight", "balanced")
    assert json.loads((out / "metrics.json").read_text())["config"]["class_weight"] == \
        "balanced"


def test_unknown_class_weight_is_refused(capsys):
    assert main(["train", "--dataset", "moons", "--class-weight", "even", "--out",
                 "/tmp/nnzero-never"]) == 2
    assert "class_weight" in capsys.readouterr().err
