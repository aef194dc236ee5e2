"""What a run's settings add around ``fit``: scalings, regression targets,
class weights and early stopping.

:func:`plan_fit` turns a run's data into what ``fit`` is given: features
standardised for a CSV file (the network learns better from unit-scale
inputs), a regression target standardised, per-class weights for
``class_weight = "balanced"``, and an :class:`~nnzero.callbacks.EarlyStopping`
for ``early_stopping = PATIENCE``. :func:`finish_fit` folds the scalings into
the trained network (:mod:`nnzero.runs.regression`), so the saved model
takes raw rows and answers in the target's units.

Example
-------
>>> import numpy as np
>>> from nnzero.runs.fitting import balanced_class_weights
>>> balanced_class_weights(np.array([0, 0, 0, 1]), 2)
{0: 0.6666666666666666, 1: 2.0}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidArgumentError
from ..model.callbacks import EarlyStopping
from .regression import Scaling, fold_input_scaling, fold_output_scaling

__all__ = ["FitPlan", "balanced_class_weights", "finish_fit", "plan_fit"]


def balanced_class_weights(y, n_classes: int) -> dict:
    """``{class: n_samples / (n_classes * count of class)}``: every class
    weighs as much in the loss as the others, whatever its share (the
    heuristic of King and Zeng, 2001, as scikit-learn's "balanced"). A class
    absent from ``y`` gets weight 1.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.fitting import balanced_class_weights
    >>> balanced_class_weights(np.array([2, 2, 0]), 3)
    {0: 1.5, 1: 1.0, 2: 0.75}
    """
    y = np.asarray(y, dtype=np.int64)
    counts = np.bincount(y, minlength=n_classes)
    present = int((counts > 0).sum())
    return {c: (float(len(y) / (present * counts[c])) if counts[c] else 1.0)
            for c in range(n_classes)}


@dataclass
class FitPlan:
    """The arrays and keyword arguments a run hands to ``fit``, and the
    scalings to fold into the model afterwards."""

    x: np.ndarray
    y: np.ndarray
    validation: tuple | None
    kwargs: dict = field(default_factory=dict)
    callbacks: list = field(default_factory=list)
    x_scaling: Scaling | None = None
    y_scaling: Scaling | None = None


def plan_fit(config: dict, data, encode, *, scale_features: bool = False,
             regression: bool = False) -> FitPlan:
    """What ``fit`` gets for a run's ``config`` and loaded ``data``.

    ``encode`` turns class indices into the loss's targets (unused for
    ``regression``, whose targets are the numbers themselves, standardised).
    ``scale_features`` standardises the features with the training rows'
    mean and standard deviation.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.runs.data import RunData
    >>> from nnzero.runs.fitting import plan_fit
    >>> x, y = np.array([[0.0], [2.0]], np.float32), np.array([1.0, 3.0], np.float32)
    >>> data = RunData("t", x, y, None, None, x, y, [])
    >>> plan = plan_fit({"early_stopping": 0, "class_weight": None}, data, None,
    ...                 scale_features=True, regression=True)
    >>> plan.x.ravel().tolist(), plan.y.ravel().tolist()
    ([-1.0, 1.0], [-1.0, 1.0])
    """
    dtype = data.x_train.dtype
    x_scaling = Scaling.fit(data.x_train) if scale_features else None
    features = (lambda x: x) if x_scaling is None else (
        lambda x: x_scaling.apply(x, dtype))
    if regression:
        y_scaling = Scaling.fit(data.y_train)
        targets = lambda y: y_scaling.apply(np.asarray(y).reshape(len(y), -1), dtype)  # noqa: E731
    else:
        y_scaling, targets = None, encode
    validation = None if data.x_val is None else (features(data.x_val), targets(data.y_val))
    plan = FitPlan(features(data.x_train), targets(data.y_train), validation,
                   x_scaling=x_scaling, y_scaling=y_scaling)
    if config.get("class_weight") == "balanced":
        if regression:
            raise InvalidArgumentError("class_weight = 'balanced' applies to classification, "
                                       "not to a regression target.")
        plan.kwargs["class_weight"] = balanced_class_weights(data.y_train, data.n_classes)
    patience = config.get("early_stopping") or 0
    if patience:
        if validation is None:
            raise InvalidArgumentError("early_stopping watches the validation loss; it needs "
                                       "validation_split > 0.")
        plan.callbacks.append(EarlyStopping(monitor="val_loss", patience=patience,
                                            restore_best_weights=True))
    return plan


def finish_fit(model, plan: FitPlan) -> None:
    """Fold the plan's scalings into the trained ``model``.

    Example
    -------
    >>> from nnzero.runs.fitting import FitPlan, finish_fit
    >>> finish_fit(None, FitPlan(None, None, None))  # nothing to fold
    """
    if plan.x_scaling is not None:
        fold_input_scaling(model, plan.x_scaling)
    if plan.y_scaling is not None:
        fold_output_scaling(model, plan.y_scaling)
