"""Weight initializers.

An initializer is called with the kernel's shape ``(fan_in, fan_out)``, the
model's random generator and a dtype, and returns a new array. Every random
number comes from the generator passed in, never from NumPy's global state,
so a model's seed fixes its initial weights.

Example
-------
>>> import numpy as np
>>> from nnzero import initializers
>>> w = initializers.get("he_normal")((784, 128), np.random.default_rng(0), np.float32)
>>> w.shape, w.dtype
((784, 128), dtype('float32'))
"""

from __future__ import annotations

import numpy as np

from ._registry import Registry
from ._validation import check_positive
from .errors import InvalidArgumentError

_REGISTRY = Registry("initializer", protocol=("__call__",))
register = _REGISTRY.register


class Initializer:
    """Base class: ``__call__(shape, rng, dtype)`` returns the initial array.

    A subclass keeps its settings as attributes (they are its saved config)
    and draws from ``rng``, the model's generator, so a model's seed fixes
    its initial weights.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Initializer
    >>> class Constant(Initializer):
    ...     def __init__(self, value=0.5):
    ...         self.value = value
    ...     def __call__(self, shape, rng, dtype=np.float32):
    ...         return np.full(shape, self.value, dtype=dtype)
    >>> Constant()((2,), np.random.default_rng(0))
    array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.registered_name, **vars(self)}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


# Random numbers are drawn in the run's dtype: a float32 network of a billion
# weights never holds a float64 copy of them (twice the memory) on the way.
# In float64 these draw exactly what rng.normal and rng.uniform draw.
def _normal(rng, mean, stddev, shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    out = rng.standard_normal(size=shape, dtype=dtype)
    out *= dtype.type(stddev)
    out += dtype.type(mean)
    return out


def _uniform(rng, low, high, shape, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    out = rng.random(size=shape, dtype=dtype)
    out *= dtype.type(high - low)
    out += dtype.type(low)
    return out


def _fans(shape) -> tuple[int, int]:
    fan_in = shape[0] if len(shape) > 0 else 1
    fan_out = shape[1] if len(shape) > 1 else shape[0]
    return fan_in, fan_out


@register("zeros")
class Zeros(Initializer):
    """All zeros (the default for biases).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Zeros
    >>> w = Zeros()((2, 3), np.random.default_rng(0))
    >>> w.tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __call__(self, shape, rng, dtype=np.float32):
        return np.zeros(shape, dtype=dtype)


@register("ones")
class Ones(Initializer):
    """All ones.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Ones
    >>> w = Ones()((2,), np.random.default_rng(0))
    >>> w.tolist()
    [1.0, 1.0]
    """

    def __call__(self, shape, rng, dtype=np.float32):
        return np.ones(shape, dtype=dtype)


@register("random_normal")
class RandomNormal(Initializer):
    """Normal with a fixed standard deviation. ``RandomNormal(stddev=0.01)``
    is the "small random numbers" of tutorial 000.

    Parameters
    ----------
    mean : float, default 0
        Mean of the distribution.
    stddev : float, default 0.05
        Standard deviation (positive).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import RandomNormal
    >>> w = RandomNormal(stddev=0.01)((784, 128), np.random.default_rng(0))
    >>> round(float(w.std()), 3)
    0.01
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = float(mean)
        self.stddev = check_positive(stddev, "stddev")

    def __call__(self, shape, rng, dtype=np.float32):
        return _normal(rng, self.mean, self.stddev, shape, dtype)


@register("random_uniform")
class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)``.

    Parameters
    ----------
    minval : float, default -0.05
        Lower bound.
    maxval : float, default 0.05
        Upper bound (excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import RandomUniform
    >>> w = RandomUniform(0.0, 1.0)((1000,), np.random.default_rng(0))
    >>> bool(w.min() >= 0.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        self.minval = float(minval)
        self.maxval = float(maxval)

    def __call__(self, shape, rng, dtype=np.float32):
        return _uniform(rng, self.minval, self.maxval, shape, dtype)


class _VarianceScaling(Initializer):
    """Variance ``scale / fan`` where fan is fan_in, fan_out or their mean."""

    scale = 1.0
    mode = "fan_in"
    distribution = "normal"

    def __call__(self, shape, rng, dtype=np.float32):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            # Uniform on [-l, l] has variance l^2 / 3.
            limit = np.sqrt(3.0 * variance)
            return _uniform(rng, -limit, limit, shape, dtype)
        return _normal(rng, 0.0, np.sqrt(variance), shape, dtype)

    def get_config(self):
        return {"name": self.registered_name}

    def __repr__(self):
        return f"{type(self).__name__}()"


@register("glorot_uniform", "xavier_uniform")
class GlorotUniform(_VarianceScaling):
    """Glorot & Bengio (2010): uniform with variance ``2 / (fan_in + fan_out)``.

    The limit is ``sqrt(6 / (fan_in + fan_out))``; the default kernel
    initializer of ``Dense``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import GlorotUniform
    >>> w = GlorotUniform()((300, 100), np.random.default_rng(0))
    >>> bool(abs(w).max() <= np.sqrt(6 / 400))
    True
    """

    mode, distribution = "fan_avg", "uniform"


@register("glorot_normal", "xavier_normal")
class GlorotNormal(_VarianceScaling):
    """Glorot & Bengio (2010): normal with variance ``2 / (fan_in + fan_out)``
    (untruncated, as PyTorch's ``xavier_normal_``).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import GlorotNormal
    >>> w = GlorotNormal()((300, 100), np.random.default_rng(0))
    >>> round(float(w.std() ** 2 * 400 / 2), 1)
    1.0
    """

    mode = "fan_avg"


@register("he_uniform", "kaiming_uniform")
class HeUniform(_VarianceScaling):
    """He et al. (2015) for ReLU: uniform with variance ``2 / fan_in``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import HeUniform
    >>> w = HeUniform()((600, 100), np.random.default_rng(0))
    >>> bool(abs(w).max() <= np.sqrt(6 / 600))
    True
    """

    scale, distribution = 2.0, "uniform"


@register("he_normal", "kaiming_normal")
class HeNormal(_VarianceScaling):
    """He et al. (2015) for ReLU: normal with variance ``2 / fan_in``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import HeNormal
    >>> w = HeNormal()((600, 100), np.random.default_rng(0))
    >>> round(float(w.std() ** 2 * 600 / 2), 1)
    1.0
    """

    scale = 2.0


@register("lecun_normal")
class LecunNormal(_VarianceScaling):
    """LeCun et al. (1998): normal with variance ``1 / fan_in``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import LecunNormal
    >>> w = LecunNormal()((600, 100), np.random.default_rng(0))
    >>> round(float(w.std() ** 2 * 600), 1)
    1.0
    """


@register("lecun_uniform")
class LecunUniform(_VarianceScaling):
    """LeCun et al. (1998): uniform with variance ``1 / fan_in``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import LecunUniform
    >>> w = LecunUniform()((600, 100), np.random.default_rng(0))
    >>> bool(abs(w).max() <= np.sqrt(3 / 600))
    True
    """

    distribution = "uniform"


@register("scaled_normal")
class ScaledNormal(_VarianceScaling):
    """Tutorial 003's rule: standard normal times ``sqrt(1 / fan_out)``, i.e.
    variance ``1 / n_units`` of the layer being initialised.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import ScaledNormal
    >>> w = ScaledNormal()((784, 100), np.random.default_rng(0))
    >>> round(float(w.std() ** 2 * 100), 1)
    1.0
    """

    mode = "fan_out"


@register("variance_scaling")
class VarianceScaling(_VarianceScaling):
    """Variance ``scale / fan``, with the fan and distribution chosen: the
    rule behind every initializer above, as Keras's ``VarianceScaling``.

    ``mode`` is ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``;
    ``distribution`` is ``"normal"`` (untruncated) or ``"uniform"``.
    Glorot and Bengio's derivation, redone for the logistic sigmoid (slope
    1/4 at 0 where tanh's is 1), gives ``scale=16, mode="fan_avg",
    distribution="uniform"``: four times Glorot's uniform limit.

    Parameters
    ----------
    scale : float, default 1
        The variance times the fan.
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
        Which fan divides ``scale``: the kernel's inputs, outputs or their mean.
    distribution : {"normal", "uniform"}, default "normal"
        An untruncated normal, or a uniform with limit ``sqrt(3 * variance)``.

    Raises
    ------
    InvalidArgumentError
        If ``scale`` is not positive or ``mode`` or ``distribution`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import VarianceScaling
    >>> init = VarianceScaling(16.0, mode="fan_avg", distribution="uniform")
    >>> w = init((400, 100), np.random.default_rng(0))
    >>> bool(abs(w).max() <= 4 * np.sqrt(6 / 500))
    True
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "normal"):
        self.scale = check_positive(scale, "scale")
        self.mode = _choice(mode, "mode", ("fan_in", "fan_out", "fan_avg"))
        self.distribution = _choice(distribution, "distribution", ("normal", "uniform"))

    def get_config(self):
        return {"name": "variance_scaling", "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution}

    def __repr__(self):
        return (f"VarianceScaling(scale={self.scale}, mode={self.mode!r}, "
                f"distribution={self.distribution!r})")


@register("orthogonal")
class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al. 2014).

    Every singular value of the kernel is ``gain``, so each layer stretches
    all directions of its input alike; Gaussian kernels of the same overall
    scale stretch some directions far more than others. In sigmoid networks
    trained at small learning rates, gains that grow towards the output make
    up for the sigmoid's slope (at most 1/4) on the way back: tutorial 003
    uses 1, 8 and 16.

    Notes
    -----
    The matrix is the Q factor of a QR decomposition of a standard normal
    matrix, with each column's sign set by R's diagonal so that the result is
    uniformly (Haar) distributed; for a wide kernel (more outputs than
    inputs) the rows are orthonormal instead of the columns. This is the
    construction of PyTorch's ``nn.init.orthogonal_`` and Keras's
    ``Orthogonal``. Saxe, McClelland & Ganguli, "Exact solutions to the
    nonlinear dynamics of learning in deep linear neural networks", ICLR 2014.

    Parameters
    ----------
    gain : float, default 1
        Every singular value of the kernel (positive).

    Examples
    --------
    >>> import numpy as np
    >>> from nnzero.initializers import Orthogonal
    >>> w = Orthogonal(gain=4.0)((784, 128), np.random.default_rng(0), np.float64)
    >>> bool(np.allclose(w.T @ w, 16.0 * np.eye(128)))
    True
    """

    def __init__(self, gain: float = 1.0):
        self.gain = check_positive(gain, "gain")

    def __call__(self, shape, rng, dtype=np.float32):
        shape = tuple(shape)
        if len(shape) != 2:
            raise InvalidArgumentError(
                f"Orthogonal initializes 2-D kernels (fan_in, fan_out); received shape {shape}. "
                f"Use it as kernel_initializer, not for biases."
            )
        rows, cols = shape
        tall = rows >= cols
        normal = rng.standard_normal((rows, cols) if tall else (cols, rows))
        q, r = np.linalg.qr(normal)
        # QR's Q alone is not uniformly distributed: fix each column's sign
        # by R's diagonal (Mezzadri 2007). A zero diagonal has no sign; keep it.
        q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
        return (self.gain * (q if tall else q.T)).astype(dtype)


def _choice(value, name, allowed):
    if value not in allowed:
        raise InvalidArgumentError(
            f"`{name}` must be one of {', '.join(map(repr, allowed))}. Received: {name}={value!r}"
        )
    return value


def get(identifier, argument: str = "kernel_initializer") -> Initializer:
    """Resolve a name, config dict or callable to an initializer.

    Parameters
    ----------
    identifier : str, dict or callable
        A registered name (see :func:`names`), a config such as
        ``{"name": "orthogonal", "gain": 4.0}``, or an initializer.
    argument : str, default "kernel_initializer"
        The argument's name in error messages.

    Returns
    -------
    Initializer

    Examples
    --------
    >>> get("glorot_uniform")
    GlorotUniform()
    """
    return _REGISTRY.get(identifier, argument)


def names() -> list[str]:
    """The registered initializer names (aliases included).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "orthogonal" in names() and "kaiming_normal" in names()
    True
    """
    return _REGISTRY.names()
