"""The table side of ``nnzero predict``: the run's description read back."""

import json

import numpy as np
import pytest

import nnzero as nz
from nnzero.cli.tables import is_table, predict_csv, run_description


def _run(tmp_path, loss="sparse_categorical_crossentropy", units=2, activation="softmax",
         **described):
    model = nz.Sequential([nz.layers.Dense(units, activation=activation)], seed=0)
    model.compile(optimizer="sgd", loss=loss)
    model.build((2,))
    model.save(tmp_path / "model.nnz")
    if described:
        (tmp_path / "metrics.json").write_text(json.dumps(described))
    return model


@pytest.mark.parametrize("name, table", [("a.csv", True), ("a.TSV", True), ("a.txt.gz", True),
                                         ("a.png", False), ("csv", False)])
def test_is_table(name, table):
    assert is_table(name) is table


def test_run_description_reads_metrics_and_config(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({
        "feature_names": ["a", "b"], "target": "kind", "class_names": ["x", "y"],
        "task": "classification", "config": {"encoding": "latin-1", "delimiter": ";"}}))
    assert run_description(tmp_path / "model.nnz") == {
        "feature_names": ["a", "b"], "target": "kind", "class_names": ["x", "y"],
        "task": "classification", "encoding": "latin-1", "delimiter": ";"}


@pytest.mark.parametrize("text", ["not json", "[1, 2]"])
def test_unreadable_description_is_no_description(tmp_path, text):
    (tmp_path / "metrics.json").write_text(text)
    assert run_description(tmp_path / "model.nnz") == {}


def test_predict_csv_uses_the_runs_names_and_format(tmp_path):
    model = _run(tmp_path, feature_names=["a", "b"], target="kind", class_names=["x", "y"],
                 task="classification", config={"delimiter": ";"})
    (tmp_path / "rows.csv").write_text("b;kind;a\n1;y;2\n")
    table = predict_csv(model, tmp_path / "model.nnz", tmp_path / "rows.csv")
    assert table.header == ["row", "true", "predicted", "prob_x", "prob_y"]
    expected = model.predict_proba(np.array([[2.0, 1.0]], np.float32))[0]
    assert [np.float32(v) for v in table.rows[0][3:]] == list(expected)


def test_regression_run_writes_values(tmp_path):
    model = _run(tmp_path, loss="mse", units=1, activation="linear", task="regression",
                 feature_names=["a", "b"])
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    assert predict_csv(model, tmp_path / "model.nnz", tmp_path / "rows.csv").header == [
        "row", "predicted"]


def test_model_without_a_run_takes_every_column(tmp_path):
    model = _run(tmp_path, loss="mse", units=1, activation="linear")
    (tmp_path / "rows.csv").write_text("p,q\n1,2\n")
    table = predict_csv(model, tmp_path / "model.nnz", tmp_path / "rows.csv")
    assert table.header == ["row", "predicted"]
    classifier = _run(tmp_path)
    (tmp_path / "metrics.json").unlink(missing_ok=True)
    table = predict_csv(classifier, tmp_path / "model.nnz", tmp_path / "rows.csv")
    assert table.header == ["row", "predicted", "prob_0", "prob_1"]
