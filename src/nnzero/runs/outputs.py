"""What a run writes about its test set: predictions.csv and the data's description.

``predictions.csv`` has one line per test sample: its position in the test
set (``index``), for a CSV file its data-row number in that file (``row``,
1 for the first row after the header), then the true and predicted class
indices with their label names and the confidence, or, for a regression,
the true and predicted values and the error.

Example
-------
>>> import numpy as np
>>> from nnzero.runs.data import RunData
>>> from nnzero.runs.outputs import prediction_rows
>>> x, y = np.zeros((2, 2), np.float32), np.array([0, 1])
>>> data = RunData("t", x, y, None, None, x, y, ["cat", "dog"])
>>> header, first, _ = prediction_rows(data, np.array([0, 0]),
...                                    np.array([[0.9, 0.1], [0.7, 0.3]]))
>>> header
['index', 'true', 'true_label', 'predicted', 'predicted_label', 'confidence']
>>> first
[0, 0, 'cat', 0, 'cat', '0.900000']
"""

from __future__ import annotations

import numpy as np

from .regression import regression_scores

__all__ = ["data_description", "prediction_rows", "regression_prediction_rows",
           "regression_results"]


def _row_numbers(data):
    rows = data.extra.get("test_rows")
    return None if rows is None or len(rows) != len(data.x_test) else rows


def prediction_rows(data, predicted, probabilities) -> list[list]:
    """The lines of a classifier's ``predictions.csv``, header first.

    ``probabilities`` has one column per class, or one (a sigmoid unit's
    probability of class 1).
    """
    probabilities = np.asarray(probabilities)
    if probabilities.shape[1] == 1:
        confidence = np.where(predicted == 1, probabilities[:, 0], 1.0 - probabilities[:, 0])
    else:
        confidence = probabilities[np.arange(len(predicted)), predicted]
    names = data.class_names
    rows = _row_numbers(data)
    header = ["index", *(["row"] if rows is not None else []), "true", "true_label",
              "predicted", "predicted_label", "confidence"]
    lines = [header]
    for i, (t, p, c) in enumerate(zip(data.y_test, predicted, confidence, strict=True)):
        where = [i, *([int(rows[i])] if rows is not None else [])]
        lines.append([*where, int(t), _name(names, t), int(p), _name(names, p), f"{c:.6f}"])
    return lines


def _name(names, index) -> str:
    index = int(index)
    return str(names[index]) if 0 <= index < len(names) else str(index)


def regression_prediction_rows(data, predicted) -> list[list]:
    """The lines of a regressor's ``predictions.csv``: true and predicted
    value and their difference (predicted - true), header first.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.data import RunData
    >>> from nnzero.runs.outputs import regression_prediction_rows
    >>> x, y = np.zeros((1, 1), np.float32), np.array([2.0], np.float32)
    >>> data = RunData("t", x, y, None, None, x, y, [])
    >>> regression_prediction_rows(data, np.array([[2.5]], np.float32))
    [['index', 'true', 'predicted', 'error'], [0, '2.0', '2.5', '0.5']]
    """
    predicted = np.asarray(predicted).reshape(len(data.x_test), -1)[:, 0]
    rows = _row_numbers(data)
    header = ["index", *(["row"] if rows is not None else []), "true", "predicted", "error"]
    lines = [header]
    for i, (t, p) in enumerate(zip(data.y_test, predicted, strict=True)):
        where = [i, *([int(rows[i])] if rows is not None else [])]
        lines.append([*where, str(t), str(p), str(p - t)])
    return lines


def regression_results(model, data):
    """``(scores, predicted)`` of a regressor on the test set: the loss and
    R², RMSE and MAE in the target's units, and the predicted values.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> from nnzero.runs.data import RunData
    >>> from nnzero.runs.outputs import regression_results
    >>> x, y = np.array([[1.0], [2.0]], np.float32), np.array([2.0, 4.0], np.float32)
    >>> model = nz.Sequential([nz.layers.Dense(1)], seed=0)
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.build((1,))
    >>> model.set_weights([np.array([[2.0]], np.float32), np.zeros(1, np.float32)])
    >>> scores, _ = regression_results(model, RunData("t", x, y, None, None, x, y, []))
    >>> scores["r2"], scores["rmse"]
    (1.0, 0.0)
    """
    predicted = model.predict(data.x_test)
    scores = {"loss": float(model.evaluate(data.x_test, data.y_test.reshape(-1, 1))["loss"])}
    scores.update(regression_scores(data.y_test, predicted))
    return scores, predicted


def data_description(data) -> dict:
    """What ``metrics.json`` says about the data beyond its sizes: the task,
    and for a CSV file its feature names and target column (``nnzero
    predict`` reads them to take a table's columns by name).

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.data import RunData
    >>> from nnzero.runs.outputs import data_description
    >>> x, y = np.zeros((1, 1), np.float32), np.array([0])
    >>> data_description(RunData("t", x, y, None, None, x, y, ["a"]))
    {'task': 'classification'}
    """
    described = {"task": "regression" if data.extra.get("regression") else "classification"}
    for key in ("feature_names", "target"):
        if data.extra.get(key) is not None:
            described[key] = data.extra[key]
    return described
