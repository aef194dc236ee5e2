"""Byte-for-byte reproducible safetensors files.

The safetensors writer keeps the metadata in a hash map whose order changes
from one save to the next, so saving the same model twice gives files that
differ in their header though not in their content. :func:`canonical_bytes`
rewrites the JSON header with its keys sorted, so that the same model always
gives the same bytes: a resumed run's ``model.nnz`` can then be compared
byte for byte with an uninterrupted run's.

Example
-------
>>> import numpy as np
>>> import safetensors.numpy
>>> from nnzero.model.canonical import canonical_bytes
>>> raw = safetensors.numpy.save({"w": np.zeros(2, np.float32)}, metadata={"b": "1", "a": "2"})
>>> data = canonical_bytes(raw)
>>> data[8:61]
b'{"__metadata__":{"a":"2","b":"1"},"w":{"data_offsets"'
>>> safetensors.numpy.load(data)["w"].tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import json
import struct

__all__ = ["canonical_bytes"]

_ALIGN = 8  # the header is padded with spaces so that the data starts aligned


def canonical_bytes(data: bytes) -> bytes:
    """``data`` (a safetensors file) with its JSON header's keys sorted, at
    every level, and written compactly; the tensors' bytes are unchanged.

    Example
    -------
    >>> import numpy as np
    >>> import safetensors.numpy
    >>> from nnzero.model.canonical import canonical_bytes
    >>> one = safetensors.numpy.save({"x": np.ones(3)}, metadata={"k": "v", "j": "w"})
    >>> canonical_bytes(one) == canonical_bytes(canonical_bytes(one))
    True
    """
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size].decode("utf-8"))
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = text.encode("utf-8")
    encoded += b" " * (-(8 + len(encoded)) % _ALIGN)
    return struct.pack("<Q", len(encoded)) + encoded + data[8 + size :]
