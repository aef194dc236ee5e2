"""The playground's points: the built-in sets, the input features, uploads.

Every point lies in the square [-6, 6]²; classification labels are 0
(orange) and 1 (blue), regression targets lie in [-1, 1]. Each set is drawn
from its own ``numpy.random.Generator`` seeded by the run's seed, so the
same settings give the same points.

Example
-------
>>> from nnzero.playground.data import make_points
>>> x, y = make_points("circle", noise=0.0, seed=0)
>>> x.shape, sorted(set(y.tolist()))
((500, 2), [0.0, 1.0])
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..datasets import load_csv
from ..errors import NNZeroError
from .settings import PlaygroundError

__all__ = [
    "EXTENT",
    "FEATURE_COLUMNS",
    "MAX_UPLOAD_BYTES",
    "N_POINTS",
    "features",
    "make_points",
    "parse_upload",
    "points_csv",
]

#: Half the side of the input plane.
EXTENT = 6.0
N_POINTS = 500
#: Largest CSV file accepted from the page.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: Column names of the features in exported CSV files and code.
FEATURE_COLUMNS = {"x1": "x1", "x2": "x2", "x1sq": "x1_squared", "x2sq": "x2_squared",
                   "x1x2": "x1_times_x2", "sinx1": "sin_x1", "sinx2": "sin_x2"}


def make_points(name: str, noise: float, seed: int, n: int = N_POINTS):
    """``n`` points ``(x, y)`` of the built-in set ``name``, as float64.

    Example
    -------
    >>> from nnzero.playground.data import make_points
    >>> x, y = make_points("plane", noise=0.1, seed=1, n=10)
    >>> bool(abs(y).max() <= 1.0)
    True
    """
    makers = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
              "plane": _plane, "multigauss": _multigauss}
    if name not in makers:
        raise PlaygroundError(f"dataset must be one of {', '.join(makers)}. Received: {name!r}")
    rng = np.random.default_rng(seed)
    x, y = makers[name](rng, n, float(noise))
    return np.clip(x, -EXTENT, EXTENT), y.astype(np.float64)


def _circle(rng, n, noise):
    # Half the points inside radius 2.5 (class 1), half in the ring 3.5..5 (class 0);
    # noise moves the points, not their labels, so noisy points cross the border.
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 2.5, inner), rng.uniform(3.5, 5, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    x += rng.uniform(-5, 5, x.shape) * noise
    return x, (np.arange(n) < inner).astype(float)


def _xor(rng, n, noise):
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)  # a gap along the axes keeps the quadrants apart
    label = (x[:, 0] * x[:, 1] > 0).astype(float)
    return x + rng.uniform(-5, 5, x.shape) * noise, label


def _gauss(rng, n, noise):
    half = n // 2
    spread = 0.5 + 3.5 * noise / 0.5  # noise widens the clouds until they overlap
    centres = np.where((np.arange(n) < half)[:, None], 2.0, -2.0)
    x = centres + rng.normal(0, spread, (n, 2))
    return x, (np.arange(n) < half).astype(float)


def _spiral(rng, n, noise):
    half = n // 2
    i = np.concatenate([np.arange(half), np.arange(n - half)])
    t = i / max(half, 1)
    phase = np.where(np.arange(n) < half, 0.0, np.pi)
    angle = 3.5 * np.pi * t + phase
    x = np.stack([5 * t * np.sin(angle), 5 * t * np.cos(angle)], axis=1)
    x += rng.uniform(-1, 1, x.shape) * noise * 2
    return x, (np.arange(n) < half).astype(float)


def _plane(rng, n, noise):
    x = rng.uniform(-EXTENT, EXTENT, (n, 2))
    y = (x[:, 0] + x[:, 1]) / (2 * EXTENT)
    return x, np.clip(y + rng.uniform(-1, 1, n) * noise, -1, 1)


def _multigauss(rng, n, noise):
    x = rng.uniform(-EXTENT, EXTENT, (n, 2))
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1),
             (4, -2.5, -1)]
    y = sum(sign * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / 2)
            for cx, cy, sign in bumps)
    return x, np.clip(y + rng.uniform(-1, 1, n) * noise, -1, 1)


def features(x: np.ndarray, names) -> np.ndarray:
    """The network's inputs: the chosen ``names`` computed from points ``x``.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.playground.data import features
    >>> features(np.array([[2.0, 3.0]]), ["x1", "x1x2"]).tolist()
    [[2.0, 6.0]]
    """
    x1, x2 = x[:, 0], x[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1,
             "x2sq": lambda: x2 * x2, "x1x2": lambda: x1 * x2,
             "sinx1": lambda: np.sin(x1), "sinx2": lambda: np.sin(x2)}
    return np.stack([table[name]() for name in names], axis=1)


def parse_upload(content: bytes):
    """Points and problem from an uploaded CSV file's bytes.

    The file holds two feature columns and a label column (the last one).
    It is read by :func:`nnzero.datasets.load_csv`. Two classes (text or
    whole numbers) make a classification problem, numbers with fractions a
    regression; features are scaled into the plane's [-6, 6] square, and
    regression targets into [-1, 1].

    Returns
    -------
    (x, y, problem, class_names)

    Raises
    ------
    PlaygroundError
        The file is too large, unreadable, has other than two features, or
        a label column the playground cannot use.

    Example
    -------
    >>> from nnzero.playground.data import parse_upload
    >>> x, y, problem, names = parse_upload(b"a,b,label\\n0,0,red\\n1,2,blue\\n")
    >>> problem, names, x.tolist()
    ('classification', ['blue', 'red'], [[-6.0, -6.0], [6.0, 6.0]])
    """
    if not isinstance(content, bytes):
        raise PlaygroundError(f"upload: expected bytes. Received: {type(content).__name__}")
    if len(content) > MAX_UPLOAD_BYTES:
        raise PlaygroundError(f"upload: the file has {len(content)} bytes; the limit is "
                              f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    # The loader reads files; a private temporary file keeps the upload off shared paths.
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="nnzero-upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        try:
            x, y, class_names = load_csv(path, target=None)
        except NNZeroError as err:
            raise PlaygroundError(f"upload: {str(err).replace(path, 'the file')}") from None
    finally:
        os.unlink(path)
    if x.shape[1] != 2:
        raise PlaygroundError(f"upload: the playground takes two feature columns and a label "
                              f"(the last column); the file has {x.shape[1]} feature columns.")
    if not np.isfinite(x).all():
        raise PlaygroundError("upload: the feature columns hold NaN or infinite numbers.")
    x = _scale(x.astype(np.float64), -EXTENT, EXTENT)
    y = np.asarray(y)
    if class_names is not None or y.dtype.kind in "iu" or _whole(y):
        if class_names is None:
            values, y = np.unique(y, return_inverse=True)
            class_names = [_label(v) for v in values]
        if len(class_names) != 2:
            raise PlaygroundError(f"upload: the playground classifies two classes; the label "
                                  f"column holds {len(class_names)}: {class_names[:5]}.")
        return x, y.astype(np.float64), "classification", [str(n) for n in class_names]
    if not np.isfinite(y).all():
        raise PlaygroundError("upload: the label column holds NaN or infinite numbers.")
    return x, _scale(y.astype(np.float64)[:, None], -1.0, 1.0)[:, 0], "regression", None


def _whole(y) -> bool:
    return y.dtype.kind == "f" and bool(np.isfinite(y).all()) and bool((y == np.round(y)).all())


def _label(value) -> str:
    value = value.item() if hasattr(value, "item") else value
    return str(int(value)) if float(value).is_integer() else str(value)


def _scale(a, low, high):
    lo, hi = a.min(axis=0), a.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return low + (a - lo) / span * (high - low)


def points_csv(x_features: np.ndarray, y: np.ndarray, names, problem: str) -> str:
    """CSV text of the network's inputs and the label, exactly as trained on.

    Each float32 value is written in the shortest form that reads back to
    the same float32, so a run on this file sees the very same numbers.

    Example
    -------
    >>> import numpy as np
    >>> from nnzero.playground.data import points_csv
    >>> print(points_csv(np.array([[0.5, 1.0]]), np.array([1.0]), ["x1", "x2"], "classification"))
    x1,x2,label
    0.5,1.0,1
    <BLANKLINE>
    """
    xs = np.asarray(x_features, dtype=np.float32)
    lines = [",".join([*(FEATURE_COLUMNS[n] for n in names), "label"])]
    for row, label in zip(xs, np.asarray(y), strict=True):
        cells = [repr(float(v)) for v in row]
        cells.append(str(int(label)) if problem == "classification"
                     else repr(float(np.float32(label))))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"
