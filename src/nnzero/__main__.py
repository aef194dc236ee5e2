"""``python -m nnzero`` and the ``nnzero`` console script: run the command line.

The commands live in :mod:`nnzero.cli`.
"""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    """Run ``nnzero`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Example
    -------
    >>> from nnzero.__main__ import main
    >>> main(["--version"])
    nnzero 0.1.0
    0
    """
    from nnzero.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
