"""nnzero playground: watch a small network learn in the browser, on your own data.

``nnzero playground`` serves a page from this package; every browser tab
gets a :class:`Session` that trains an ``nnzero.Sequential`` in NumPy and
sends the page a frame per epoch over a websocket. The page only draws.

Example
-------
>>> from nnzero.playground import Session
>>> session = Session({"dataset": "spiral", "layers": [8, 8]})
>>> session.tick()["epoch"]
1
"""

from .session import Session, build_network
from .settings import DEFAULTS, PlaygroundError, check_settings

__all__ = ["DEFAULTS", "PlaygroundError", "Session", "build_network", "check_settings"]
