"""The Sequential model, its training loop, callbacks and saving."""

from .callbacks import History
from .saving import load_model
from .sequential import Sequential

__all__ = ["History", "Sequential", "load_model"]
