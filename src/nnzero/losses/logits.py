"""Functions of logits computed without overflow: log-sum-exp and softmax.

Example
-------
>>> import numpy as np
>>> from nnzero.losses.logits import logsumexp
>>> float(logsumexp(np.zeros((1, 1)))[0])
0.0
"""

from __future__ import annotations

import numpy as np


def logsumexp(z: np.ndarray) -> np.ndarray:
    """``log(sum(exp(z)))`` of each row, shifted by the row maximum (no overflow).

    Parameters
    ----------
    z : ndarray, shape (n, k)
        Logits.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from nnzero.losses import logsumexp
    >>> logsumexp(np.array([[1000.0, 1000.0]])).round(4).tolist()
    [1000.6931]
    """
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def softmax_and_logsumexp(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax of ``z`` and its log-sum-exp (shape ``(n, 1)``) from
    one row maximum, ``exp`` and sum: bit for bit what ``Softmax.forward``
    and :func:`logsumexp` compute, each repeating those three.

    Parameters
    ----------
    z : ndarray, shape (n, k)
        Logits.

    Returns
    -------
    p : ndarray, shape (n, k)
        The softmax of each row.
    lse : ndarray, shape (n, 1)
        The log-sum-exp of each row.

    Examples
    --------
    >>> from nnzero.losses import softmax_and_logsumexp
    >>> p, lse = softmax_and_logsumexp(np.zeros((1, 2))); p.tolist(), lse.round(4).tolist()
    ([[0.5, 0.5]], [[0.6931]])
    """
    m = z.max(axis=1, keepdims=True)
    p = np.exp(z - m)
    s = p.sum(axis=1, keepdims=True)
    lse = m + np.log(s)
    p /= s
    return p, lse
