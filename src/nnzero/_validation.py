"""Argument checks used by constructors, ``compile`` and ``fit``.

They run once, before any work starts, and never inside the training loop.
Messages follow one pattern: the argument's name, what was expected, and
what was received.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._chunks import all_finite
from .errors import InvalidArgumentError, InvalidTypeError

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}


def check_dtype(dtype: Any) -> np.dtype:
    """Normalise a float dtype name, accepting only float32 and float64."""
    # np.dtype(None) is float64, which a caller passing None would not expect.
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in FLOAT_DTYPES:
        raise InvalidArgumentError(
            f"`dtype` must be 'float32' or 'float64'. Received: dtype={dtype!r}"
        )
    return resolved


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """A finite real number within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(
            f"`{name}` must be a real number. Received: {name}={value!r} "
            f"of type {type(value).__name__}"
        )
    value = float(value)
    bad = not math.isfinite(value)
    if low is not None:
        bad |= value < low if low_inclusive else value <= low
    if high is not None:
        bad |= value > high if high_inclusive else value >= high
    if bad:
        lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
        hi = "" if high is None else f"{high:g}" + ("]" if high_inclusive else ")")
        expected = f"in {lo or '(-inf'}, {hi or 'inf)'}"
        raise InvalidArgumentError(
            f"`{name}` must be finite and {expected}. Received: {name}={value!r}"
        )
    return value


def check_positive(value: Any, name: str) -> float:
    """A finite number > 0 (learning rates, epsilons...)."""
    return check_number(value, name, low=0.0, low_inclusive=False)


def check_bool(value: Any, name: str) -> bool:
    """A real bool (or NumPy bool): ``"no"`` or ``0`` would silently mean something else."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidTypeError(
            f"`{name}` must be True or False. Received: {name}={value!r} of type "
            f"{type(value).__name__}"
        )
    return bool(value)


def check_string(value: Any, name: str) -> str:
    """A non-empty string.

    Example
    -------
    >>> from nnzero._validation import check_string
    >>> check_string("relu", "activation")
    'relu'
    >>> check_string("", "activation")
    Traceback (most recent call last):
    ...
    nnzero.errors.InvalidTypeError: `activation` must be a non-empty string. Received: \
activation='' of type str
    """
    if not isinstance(value, str) or not value:
        raise InvalidTypeError(
            f"`{name}` must be a non-empty string. Received: {name}={value!r} of type "
            f"{type(value).__name__}"
        )
    return value


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """One of ``choices`` (strings, compared as given); the error lists them
    all and suggests the closest.

    Example
    -------
    >>> from nnzero._validation import check_choice
    >>> check_choice("cosine", "schedule", ("constant", "cosine"))
    'cosine'
    >>> check_choice("cosin", "schedule", ("constant", "cosine"))
    Traceback (most recent call last):
    ...
    nnzero.errors.InvalidArgumentError: `schedule` must be one of 'constant', 'cosine'. \
Did you mean 'cosine'? Received: schedule='cosin'
    """
    value = check_string(value, name)
    if value not in choices:
        close = difflib.get_close_matches(value, choices, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InvalidArgumentError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}.{hint} "
            f"Received: {name}={value!r}"
        )
    return value


def check_int(value: Any, name: str, *, low: int | None = None) -> int:
    """An integer (not a bool) at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidTypeError(
            f"`{name}` must be an integer. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    value = int(value)
    if low is not None and value < low:
        raise InvalidArgumentError(f"`{name}` must be >= {low}. Received: {name}={value}")
    return value


def as_float_array(x: Any, name: str, dtype: np.dtype, *, min_ndim: int = 2) -> np.ndarray:
    """Convert ``x`` to a float array of ``dtype``, refusing non-numeric data,
    too few dimensions and NaN/inf.

    Arrays already of the right dtype (including ``numpy.memmap``) are not
    copied.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise InvalidTypeError(f"`{name}` must be array-like of numbers. Received: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise InvalidTypeError(f"`{name}` must be numeric. Received: an array of dtype {arr.dtype}")
    if arr.ndim < min_ndim:
        raise InvalidArgumentError(
            f"`{name}` must be {min_ndim}-D (n_samples, n_features). "
            f"Received: an array of shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InvalidArgumentError(
            f"`{name}` must contain at least one sample. Received: shape {arr.shape}"
        )
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    if not all_finite(arr):  # block by block: a memmap stays out of memory
        raise InvalidArgumentError(f"`{name}` contains NaN or infinite values.")
    return arr


def check_same_length(x: np.ndarray, y: Any, x_name: str = "x", y_name: str = "y") -> None:
    """Both arrays hold the same number of samples."""
    if len(x) != len(y):
        raise InvalidArgumentError(
            f"`{x_name}` and `{y_name}` must have the same number of samples. "
            f"Received: len({x_name})={len(x)}, len({y_name})={len(y)}"
        )
