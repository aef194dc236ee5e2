"""scikit-learn's bundled 8x8 digits, shaped like the MNIST loaders' output.

It ships inside scikit-learn, so it is there when MNIST cannot be found or
downloaded: small (1,797 images) but the same ten-class task.

Example
-------
>>> from nnzero.datasets import load_digits_fallback
>>> (x_train, y_train), (x_test, y_test) = load_digits_fallback()
>>> x_train.shape[1], x_train.dtype, y_train.dtype
(64, dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import numpy as np

from nnzero._validation import check_bool, check_number

__all__ = ["load_digits_fallback"]


def load_digits_fallback(*, test_fraction=0.2, seed=0, flatten=True):
    """Return scikit-learn's 8x8 digits as ``((x_train, y_train), (x_test, y_test))``.

    Images are float32 in [0, 1] (the raw pixels are 0..16), labels int64.
    The split is stratified, so both parts keep the ten classes' proportions,
    and depends only on ``seed``.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of the 1,797 images held out for testing, in (0, 1).
    seed : int, default 0
        Seed of the shuffle before the split.
    flatten : bool, default True
        Rows of 64 pixels; else ``(n, 8, 8)`` images.

    Example
    -------
    >>> from nnzero.datasets import load_digits_fallback
    >>> (x_train, _), (x_test, _) = load_digits_fallback(flatten=False)
    >>> len(x_train), len(x_test), x_test.shape[1:]
    (1437, 360, (8, 8))
    """
    test_fraction = check_number(test_fraction, "test_fraction", low=0.0, high=1.0,
                                 low_inclusive=False, high_inclusive=False)
    flatten = check_bool(flatten, "flatten")
    # Imported here: scikit-learn is slow to import and only this needs it.
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images if not flatten else digits.data).astype(np.float32) / np.float32(16.0)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return (x_train, y_train), (x_test, y_test)
