"""The package's version, in a module of its own.

It sits at the bottom of the import layers, so that any module (the ONNX
exporter, the command line, run records) can read it without importing the
root package. ``pyproject.toml`` holds the same string; a test keeps the two
equal.

Example
-------
>>> from nnzero._version import __version__
>>> __version__.count(".")
2
"""

__version__ = "0.1.0"
