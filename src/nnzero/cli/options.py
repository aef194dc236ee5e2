"""Options that every ``nnzero`` command takes.

Example
-------
>>> import click
>>> from nnzero.cli.options import debug_option
>>> @debug_option
... @click.command()
... def hello():
...     pass
>>> [p.name for p in hello.params]
['debug']
"""

from __future__ import annotations

import click


def set_debug(ctx, _param, value):
    """Remember ``--debug`` in the context object, for :func:`nnzero.cli.main`."""
    if value and isinstance(ctx.obj, dict):
        ctx.obj["debug"] = True


def debug_option(command):
    """``command`` with the ``--debug`` flag, which shows the full traceback of a failure."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        callback=set_debug,
                        help="Show the full traceback when something fails.")(command)
