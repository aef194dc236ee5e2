"""Regression runs: scores (R², RMSE), scalings folded into the network, a plot.

A CSV run standardises its features (and a regression run its target) so
that training sees values of unit scale, then folds both scalings into the
network's first and last Dense layers: the saved model takes the raw rows
and gives values in the target's own units, so ``model.predict`` on a raw
table is right without any scaler kept beside it.

Example
-------
>>> import numpy as np
>>> from nnzero.runs.regression import regression_scores
>>> scores = regression_scores(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
>>> round(scores["r2"], 4), round(scores["rmse"], 4)
(0.5, 0.5774)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["Scaling", "fold_input_scaling", "fold_output_scaling", "predicted_vs_true",
           "r2_score", "regression_scores", "rmse"]


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:
        y_true = y_true.reshape(-1, 1)
    if y_pred.ndim == 1:
        y_pred = y_pred.reshape(-1, 1)
    if y_true.shape != y_pred.shape or not len(y_true):
        raise InvalidArgumentError(
            f"y_true and y_pred must have the same, non-empty shape. Received: "
            f"{y_true.shape} and {y_pred.shape}")
    return y_true, y_pred


def r2_score(y_true, y_pred) -> float:
    """The coefficient of determination, averaged over outputs:
    ``1 - sum((y - y_hat)^2) / sum((y - mean(y))^2)`` (1 is perfect, 0 is
    as good as predicting the mean). A constant target scores 1 when
    predicted exactly and 0 otherwise, as scikit-learn's ``r2_score``.

    Example
    -------
    >>> from nnzero.runs.regression import r2_score
    >>> r2_score([1, 2, 3], [1, 2, 3]), r2_score([1, 2, 3], [2, 2, 2])
    (1.0, 0.0)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    residual = ((y_true - y_pred) ** 2).sum(axis=0)
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0),
                          np.where(residual == 0, 1.0, 0.0))
    return float(scores.mean())


def rmse(y_true, y_pred) -> float:
    """Root of the mean squared error over every output.

    Example
    -------
    >>> from nnzero.runs.regression import rmse
    >>> rmse([0, 0], [3, 4])
    3.5355339059327378
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(((y_true - y_pred) ** 2).mean()))


def regression_scores(y_true, y_pred) -> dict:
    """``{"r2", "rmse", "mae"}`` of predictions against true values.

    Example
    -------
    >>> from nnzero.runs.regression import regression_scores
    >>> regression_scores([0.0, 2.0], [1.0, 2.0])["mae"]
    0.5
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return {"r2": r2_score(y_true, y_pred), "rmse": rmse(y_true, y_pred),
            "mae": float(np.abs(y_true - y_pred).mean())}


@dataclass
class Scaling:
    """A standardisation ``(v - mean) / scale``, column by column.

    :meth:`fit` takes the mean and standard deviation of the training
    columns; a constant column gets scale 1, so it becomes 0, not NaN.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.regression import Scaling
    >>> s = Scaling.fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> s.mean.tolist(), s.scale.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    >>> s.apply(np.array([[3.0, 5.0]])).tolist()
    [[1.0, 0.0]]
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, values) -> Scaling:
        """The scaling that standardises ``values`` (one column per feature)."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        std = values.std(axis=0)
        return cls(values.mean(axis=0), np.where(std > 0, std, 1.0))

    def apply(self, values, dtype=None):
        """``(values - mean) / scale``, computed in float64, in ``dtype``
        (default: that of ``values``)."""
        values = np.asarray(values)
        out = (values.astype(np.float64) - self.mean) / self.scale
        return out.astype(dtype or values.dtype).reshape(values.shape)


def _dense_layers(model):
    return [(i, layer) for i, layer in enumerate(model.layers)
            if getattr(layer, "registered_name", None) == "dense"]


def fold_input_scaling(model, scaling: Scaling) -> None:
    """Change the first Dense layer so that raw inputs give what standardised
    inputs gave: ``W' = W / scale`` and ``b' = b - (mean / scale) @ W``.

    A first layer without a bias that feeds a BatchNormalization moves the
    shift into its moving mean instead. Layers before the first Dense must
    act on each feature alone and be the identity when predicting (dropout).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> from nnzero.runs.regression import Scaling, fold_input_scaling
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> s = Scaling.fit(x)
    >>> model = nz.Sequential([nz.layers.Dense(1)], seed=0, dtype="float64")
    >>> model.build((2,))
    >>> before = model.predict(s.apply(x))
    >>> fold_input_scaling(model, s)
    >>> bool(np.allclose(model.predict(x), before))
    True
    """
    dense = _dense_layers(model)
    if not dense:
        raise InvalidArgumentError("The model has no Dense layer to fold a scaling into.")
    i, layer = dense[0]
    for before in model.layers[:i]:
        if getattr(before, "registered_name", None) not in ("dropout",):
            raise InvalidArgumentError(
                f"Cannot fold the input scaling past a {type(before).__name__} layer.")
    kernel = layer.kernel.astype(np.float64)
    shift = (scaling.mean / scaling.scale) @ kernel
    layer.kernel[...] = kernel / scaling.scale.reshape(-1, 1)
    if layer.use_bias:
        layer.bias[...] = layer.bias - shift
        return
    following = model.layers[i + 1] if i + 1 < len(model.layers) else None
    if getattr(following, "registered_name", None) != "batch_normalization":
        raise InvalidArgumentError("Cannot fold the input scaling into a Dense layer without "
                                   "a bias that no BatchNormalization follows.")
    following.state[0][...] = following.state[0] + shift  # the moving mean


def fold_output_scaling(model, scaling: Scaling) -> None:
    """Change the last Dense layer (linear) so that it outputs
    ``y * scale + mean``: the target in its own units.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> from nnzero.runs.regression import Scaling, fold_output_scaling
    >>> model = nz.Sequential([nz.layers.Dense(1)], seed=0, dtype="float64")
    >>> model.build((2,))
    >>> x = np.ones((1, 2))
    >>> before = model.predict(x)
    >>> fold_output_scaling(model, Scaling(np.array([100.0]), np.array([10.0])))
    >>> bool(np.allclose(model.predict(x), before * 10 + 100))
    True
    """
    dense = _dense_layers(model)
    if not dense or dense[-1][0] != len(model.layers) - 1:
        raise InvalidArgumentError("The model does not end in a Dense layer.")
    layer = dense[-1][1]
    if layer.activation.registered_name != "linear" or not layer.use_bias:
        raise InvalidArgumentError("Only a linear output layer with a bias can give the "
                                   "target in its own units.")
    layer.kernel[...] = layer.kernel.astype(np.float64) * scaling.scale.reshape(1, -1)
    layer.bias[...] = layer.bias.astype(np.float64) * scaling.scale + scaling.mean


def predicted_vs_true(y_true, y_pred, *, title="Test set: predicted against true"):
    """A scatter plot of predicted against true values, with the diagonal
    of perfect predictions and the R² in the legend; a matplotlib Figure.

    Example
    -------
    >>> from nnzero.runs.regression import predicted_vs_true
    >>> figure = predicted_vs_true([1, 2, 3], [1.1, 1.9, 3.2])
    >>> figure.axes[0].get_xlabel()
    'true value'
    """
    import matplotlib.pyplot as plt

    y_true, y_pred = _pair(y_true, y_pred)
    figure, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y_true[:, 0], y_pred[:, 0], s=12, alpha=0.6, label="test samples")
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    ax.plot([low, high], [low, high], color="black", linewidth=1,
            label=f"perfect (R² {r2_score(y_true, y_pred):.3f})")
    ax.set_xlabel("true value")
    ax.set_ylabel("predicted value")
    ax.set_title(title)
    ax.legend(loc="upper left")
    figure.tight_layout()
    return figure
