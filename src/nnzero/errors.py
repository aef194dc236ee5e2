"""Exceptions raised by nnzero.

Every error the library raises on bad input is a subclass of
:class:`NNZeroError`, so ``except nnzero.NNZeroError`` catches them all, and
also a subclass of the built-in exception a Python user would expect
(``ValueError``, ``TypeError``...), so existing handlers keep working.

Example
-------
>>> import nnzero as nz
>>> try:
...     nz.layers.Dropout(1.5)
... except nz.NNZeroError as err:
...     print(type(err).__name__)
InvalidArgumentError
"""

from __future__ import annotations


class NNZeroError(Exception):
    """Base class of every error raised by nnzero."""


class InvalidArgumentError(NNZeroError, ValueError):
    """An argument has the right type but a wrong value, shape or range."""


class InvalidTypeError(NNZeroError, TypeError):
    """An argument has a type nnzero cannot use."""


class NotCompiledError(NNZeroError, RuntimeError):
    """A model was trained or evaluated before ``compile`` was called."""


class ModelFileError(NNZeroError, ValueError):
    """A file is not a valid nnzero model, or it could not be written."""


class DataFormatError(NNZeroError, ValueError):
    """A data file is malformed or does not match its known checksum."""


class DatasetNotFoundError(NNZeroError, FileNotFoundError):
    """A dataset was not found in any of the places nnzero looks."""


class NonFiniteLossWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""
