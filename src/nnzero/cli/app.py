"""The click commands behind ``nnzero``; :func:`nnzero.cli.main` runs them.

Example
-------
>>> from nnzero.cli.app import cli
>>> sorted(cli.commands)
['compare', 'datasets', 'demo', 'evaluate', 'export-onnx', 'playground', 'predict',
 'report', 'train']
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .._version import __version__
from .compare import compare as compare_command
from .model_commands import evaluate, export_onnx, predict
from .options import debug_option
from .playground import playground
from .train_command import format_default, train, train_choices, train_option_help

__all__ = ["cli", "format_default", "train_choices", "train_option_help"]

_EPILOG = """\b
Examples:
  nnzero train --dataset mnist --layers 128,64 --epochs 10 --out runs/mnist
  nnzero train --config run.toml --epochs 3
  nnzero evaluate runs/mnist/model.nnz --dataset mnist
  nnzero predict runs/mnist/model.nnz digit.png
  nnzero report runs/mnist
  nnzero export-onnx runs/mnist/model.nnz mnist.onnx
  nnzero datasets
  nnzero demo --epochs 5

Exit status: 0 success, 2 usage or config error, 1 failure while working.
"""


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nnzero", message="%(prog)s %(version)s")
@debug_option
@click.pass_context
def cli(ctx):
    """Neural networks from scratch on NumPy: train, evaluate, predict and report."""
    ctx.ensure_object(dict)


# -- report, datasets, demo: the other commands live in modules of their own, added below --

@cli.command()
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Where to write the page (default RUN_DIR/report.html).")
@debug_option
def report(run_dir, output):
    """Rebuild RUN_DIR/report.html from the files of a training run."""
    from ..report import write_report

    click.echo(f"Wrote {write_report(run_dir, output)}")
    return 0


@cli.command()
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Also look in this directory (as train's --data-dir).")
@click.option("--no-verify", is_flag=True, help="Do not read the files to check their SHA-256.")
@debug_option
def datasets(data_dir, no_verify):
    """List the datasets, where each was found, and verify their checksums."""
    from ..errors import InvalidArgumentError
    from .catalog import dataset_rows, format_rows

    if data_dir is not None and not Path(data_dir).is_dir():
        raise InvalidArgumentError(f"--data-dir {data_dir!r} is not a directory (it does not "
                                   "exist, or is a file).")

    rows = dataset_rows(data_dir, verify=not no_verify)
    click.echo(format_rows(rows))
    return 0 if all(row.ok for row in rows) else 1


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo(args):
    """Train the MNIST demo network (what `make demo` runs; --help for its options)."""
    from ..demo import main as demo_main

    return demo_main(list(args))


for command in (train, evaluate, predict, export_onnx, playground, compare_command):
    cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
