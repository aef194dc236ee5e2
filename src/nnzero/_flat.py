"""Many arrays as views into one contiguous buffer.

A model's parameters (and their gradients, and the optimizer's state for
them) live in one flat array each, and every layer's ``params`` entries are
reshaped views into it. An optimizer can then update every parameter with a
handful of vectorised operations over the flat buffers instead of a Python
loop over the parameters; since the update rules are element-wise, the
result is bit-for-bit the per-parameter one.

Example
-------
>>> import numpy as np
>>> from nnzero._flat import flat_base, pack
>>> arrays = [np.ones((2, 3)), np.zeros(3)]
>>> flat = pack(arrays)
>>> flat.shape, flat_base(arrays) is flat
((9,), True)
"""

from __future__ import annotations

import operator

import numpy as np


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def flat_base(arrays) -> np.ndarray | None:
    """The 1-D buffer that ``arrays`` tile exactly, in order, or ``None``."""
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    position = _address(base)
    for a in arrays:
        if a.base is not base or a.dtype != base.dtype or not a.flags.c_contiguous:
            return None
        if _address(a) != position:
            return None
        position += a.nbytes
    return base if position == _address(base) + base.nbytes else None


def pack(arrays: list) -> np.ndarray | None:
    """Copy ``arrays`` (one dtype) into one new flat buffer and replace each
    entry of the list, in place, by a view of it; ``None`` (and nothing
    changed) when the dtypes differ."""
    if not arrays or any(a.dtype != arrays[0].dtype for a in arrays):
        return None
    flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
    start = 0
    for i, a in enumerate(arrays):
        view = flat[start : start + a.size].reshape(a.shape)
        view[...] = a
        arrays[i] = view
        start += a.size
    return flat


def pack_lists(lists: list[list]) -> np.ndarray | None:
    """Like :func:`pack` for arrays spread over several lists (one per
    layer), each list updated in place."""
    arrays = [a for lst in lists for a in lst]
    flat = pack(arrays)
    if flat is not None:
        it = iter(arrays)
        for lst in lists:
            lst[:] = [next(it) for _ in lst]
    return flat


class FlatState:
    """An optimizer's view of flat parameters: the flat parameter and
    gradient buffers and one flat buffer per state slot, valid while the
    same arrays (and the same slots dict) are in use."""

    def __init__(self, params, grads, slots: dict, flat):
        self.params, self.grads, self.slots = list(params), list(grads), slots
        self.flat = flat  # (param, grad, {slot: array}) or None when not flat

    @classmethod
    def create(cls, params, grads, slots: dict) -> FlatState:
        param, grad = flat_base(params), flat_base(grads)
        state = {}
        if param is not None and grad is not None and grad.dtype == param.dtype:
            for name, arrays in slots.items():
                shapes_match = len(arrays) == len(params) and all(
                    a.shape == p.shape and a.dtype == p.dtype
                    for a, p in zip(arrays, params, strict=True)
                )
                flat = flat_base(arrays) if shapes_match else None
                if flat is None and shapes_match:
                    flat = pack(arrays)
                if flat is None:
                    break
                state[name] = flat
            else:
                return cls(params, grads, slots, (param, grad, state))
        return cls(params, grads, slots, None)

    def matches(self, params, grads, slots: dict) -> bool:
        return (
            slots is self.slots
            and len(params) == len(self.params)
            and len(grads) == len(self.grads)
            and all(map(operator.is_, params, self.params))
            and all(map(operator.is_, grads, self.grads))
            and self._still_views()
        )

    def _still_views(self) -> bool:
        """The arrays are still views of the flat buffers. (A deep copy keeps
        the arrays' identities consistent but copies each view on its own.)"""
        if self.flat is None or not self.params:
            return True
        param, grad, state = self.flat
        return (
            self.params[0].base is param
            and self.grads[0].base is grad
            and all(not a or a[0].base is state[name] for name, a in self.slots.items())
        )
