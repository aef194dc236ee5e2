"""Command-line entry point: ``nnzero demo`` (or ``python -m nnzero demo``).

Only the demo exists so far; the other commands will join it here.

Example
-------
>>> from nnzero.__main__ import main
>>> main(["--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import sys

_USAGE = "usage: nnzero demo [--epochs N] [--data-dir DIR] [--seed S]"


def main(argv=None):
    """Dispatch to a sub-command and return its exit status.

    Example
    -------
    >>> from nnzero.__main__ import main
    >>> main([])
    usage: nnzero demo [--epochs N] [--data-dir DIR] [--seed S]
    2
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "demo":
        # Imported on demand so that `nnzero --help` does not load the engine.
        from nnzero.demo import main as demo_main

        return demo_main(args[1:])
    print(_USAGE)
    return 0 if args in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main())
