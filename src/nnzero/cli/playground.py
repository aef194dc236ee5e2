"""``nnzero playground``: the interactive web page of nnzero.

Example
-------
>>> from click.testing import CliRunner
>>> from nnzero.cli.playground import playground
>>> "--no-browser" in CliRunner().invoke(playground, ["--help"]).output
True
"""

from __future__ import annotations

import click

__all__ = ["playground"]


@click.command("playground", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port; the address is printed).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything other than 127.0.0.1 or localhost makes the "
                   "playground reachable from other machines.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
def playground(port, host, no_browser):
    """Train small networks in the browser, watching every neuron, on your own data.

    Starts a local web app (TensorFlow Playground's view, trained by nnzero)
    and opens it. Each browser tab has its own run. Ctrl-C stops the server.

    \b
    Examples:
      nnzero playground
      nnzero playground --port 9000 --no-browser
    """
    try:
        from ..playground.server import serve
    except ImportError as err:  # the web stack is an optional extra
        raise click.UsageError(
            f"The playground needs its web server packages ({err.name} is missing). "
            "Install them with: pip install 'nnzero[playground]'"
        ) from None
    try:
        serve(host=host, port=port, open_browser=not no_browser)
    except OSError as err:  # the port is taken, or the address is not this machine's
        raise click.ClickException(
            f"Cannot listen on {host}:{port}: {err.strerror or err}") from None
