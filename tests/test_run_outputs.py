"""predictions.csv lines and the data description of a run."""

import numpy as np

from nnzero.runs.data import RunData
from nnzero.runs.outputs import data_description, prediction_rows, regression_prediction_rows


def _data(y, names, rows=None, regression=False):
    x = np.zeros((len(y), 2), np.float32)
    extra = {"regression": regression}
    if rows is not None:
        extra.update(test_rows=np.array(rows), feature_names=["a", "b"], target="kind")
    return RunData("t", x, y, None, None, x, y, names, extra=extra)


def test_classifier_rows_carry_labels_and_source_rows():
    data = _data(np.array([1, 0]), ["cat", "dog"], rows=[7, 3])
    lines = prediction_rows(data, np.array([1, 1]), np.array([[0.2, 0.8], [0.4, 0.6]]))
    assert lines[0] == ["index", "row", "true", "true_label", "predicted", "predicted_label",
                        "confidence"]
    assert lines[1] == [0, 7, 1, "dog", 1, "dog", "0.800000"]
    assert lines[2] == [1, 3, 0, "cat", 1, "dog", "0.600000"]


def test_one_sigmoid_unit_confidence_is_the_chosen_class():
    data = _data(np.array([0, 1]), ["no", "yes"])
    lines = prediction_rows(data, np.array([0, 1]), np.array([[0.25], [0.75]]))
    assert [line[-1] for line in lines[1:]] == ["0.750000", "0.750000"]


def test_regression_rows():
    data = _data(np.array([1.5, -2.0], np.float32), [], rows=[2, 1], regression=True)
    lines = regression_prediction_rows(data, np.array([[2.0], [-2.0]], np.float32))
    assert lines == [["index", "row", "true", "predicted", "error"],
                     [0, 2, "1.5", "2.0", "0.5"], [1, 1, "-2.0", "-2.0", "0.0"]]


def test_description():
    assert data_description(_data(np.array([0]), ["a"], rows=[1])) == {
        "task": "classification", "feature_names": ["a", "b"], "target": "kind"}
    assert data_description(_data(np.array([0.5]), [], regression=True)) == {
        "task": "regression"}
