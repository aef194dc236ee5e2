"""Initializers whose scale follows the layer's fan-in and fan-out: Glorot,
He, LeCun, the scaled normal and the general variance scaling.

Example
-------
>>> import numpy as np
>>> from nnzero.initializers.variance_scaling import HeNormal
>>> HeNormal()((100, 10), np.random.default_rng(0), np.float64).shape
(100, 10)
"""

from __future__ import annotations

import numpy as np

from .._validation import check_positive
from ..errors import InvalidArgumentError
from ._draw import draw_normal, draw_uniform, fans
from .base import Initializer, register


class _VarianceScaling(Initializer):
    """Variance ``scale / fan`` where fan is fan_in, fan_out or their mean."""

    scale = 1.0
    mode = "fan_in"
    distribution = "normal"

    def __call__(self, shape, rng, dtype=np.float32):
        fan_in, fan_out = fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            # Uniform on [-l, l] has variance l^2 / 3.
            limit = np.sqrt(3.0 * variance)
            return draw_uniform(rng, -limit, limit, shape, dtype)
        return draw_normal(rng, 0.0, np.sqrt(variance), shape, dtype)

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


def _choice(value, name, allowed):
    if value not in allowed:
        raise InvalidArgumentError(
            f"`{name}` must be one of {', '.join(map(repr, allowed))}. Received: {name}={value!r}"
        )
    return value
