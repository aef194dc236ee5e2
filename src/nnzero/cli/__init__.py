"""The ``nnzero`` command: train, evaluate, predict, report, datasets, demo.

:func:`main` runs it and turns every failure into an exit status and one
short message on standard error:

- 0: success;
- 2: a usage or configuration error — an unknown option or config key, a
  bad value, a file that does not exist or cannot serve as that input
  (a path that is not an image, data that does not fit the model), a data
  set that cannot be found;
- 1: a failure while working — a corrupt model or data file, an output
  that cannot be written, an unexpected error;
- 130: interrupted with Ctrl-C.

``--debug`` (or ``NNZERO_DEBUG=1``) prints the traceback as well.

Example
-------
>>> from nnzero.cli import main
>>> main(["train", "--epochs", "many"])
2
"""

from __future__ import annotations

import os
import re
import sys
import traceback

__all__ = ["main"]


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Example
    -------
    >>> from nnzero.cli import main
    >>> main(["--version"])
    nnzero 0.1.0
    0
    """
    import click

    from ..errors import (
        DatasetNotFoundError,
        InvalidArgumentError,
        InvalidTypeError,
        NNZeroError,
        NotCompiledError,
    )
    from .app import cli

    # The command line only ever writes figures to files; never open a window.
    os.environ.setdefault("MPLBACKEND", "Agg")
    args = sys.argv[1:] if argv is None else [str(a) for a in argv]
    state = {"debug": os.environ.get("NNZERO_DEBUG", "") not in ("", "0"), "argv": args}
    if not args:
        click.echo(cli.get_help(click.Context(cli, info_name="nnzero")))
        return 2
    try:
        result = cli.main(args, prog_name="nnzero", standalone_mode=False, obj=state)
    except click.exceptions.UsageError as err:
        err.show()
        return 2
    except click.exceptions.Abort as err:
        interrupted = isinstance(err.__cause__, KeyboardInterrupt)
        print("nnzero: interrupted." if interrupted else "nnzero: aborted.", file=sys.stderr)
        return 130 if interrupted else 1
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except KeyboardInterrupt:
        print("nnzero: interrupted.", file=sys.stderr)
        return 130
    except SystemExit as err:  # `nnzero demo` parses its own options
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 2)
    except Exception as err:
        usage = (InvalidArgumentError, InvalidTypeError, DatasetNotFoundError, NotCompiledError)
        code = 2 if isinstance(err, usage) else 1
        _report(err, code, expected=isinstance(err, NNZeroError), debug=state["debug"])
        return code
    return result if isinstance(result, int) else 0


def _report(err: BaseException, code: int, *, expected: bool, debug: bool) -> None:
    if debug:
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    message = str(err).strip() or type(err).__name__
    if not expected:
        # Not one of nnzero's own errors: name the type, it is the best clue.
        message = f"{type(err).__name__}: {message}"
    # A message that names the file and line of the problem says all a traceback would.
    if code == 1 and not debug and not re.search(r", line \d+", message):
        message += "\n(Run again with --debug to see the traceback.)"
    print(f"nnzero: error: {message}", file=sys.stderr)
