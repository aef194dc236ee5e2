"""``nnzero train``: its options, generated from the run settings, and the command.

Example
-------
>>> from nnzero.cli.train_command import train
>>> "--epochs" in [opt for p in train.params for opt in p.opts]
True
"""

from __future__ import annotations

import click

from .options import debug_option

# What each run setting means, in the words of its flag. The defaults and the
# lists of valid names are not written here: train_option_help adds them from
# runs.config.DEFAULTS and the registries, so the help cannot fall behind them.
_TRAIN_HELP = {
    "dataset": "Dataset to train on (unless --csv is given).",
    "csv": "Train on your own CSV file instead.",
    "target": "The CSV column holding the labels (or values, with --loss mse): its name, or "
              "its index (0 the first column, -1 the last).",
    "encoding": "Text encoding of the CSV file (default utf-8).",
    "standardize": "Train on CSV features scaled to mean 0 and variance 1 by the training "
                   "rows; the scaling is folded into the saved model, which takes raw rows "
                   "(true/false).",
    "delimiter": "Field separator of the CSV file ('tab' for a tab; default: told from the "
                 "header line).",
    "data_dir": "Directory with the MNIST-style files.",
    "samples": "Samples generated for a toy dataset.",
    "limit": "Train on the first N training samples only (quick runs).",
    "test_split": "Share held out for testing when a set has no test part.",
    "pooled_test_split": "Pool an image set's training and test images and hold out this "
                         "share of them for testing, drawn from --split-seed (0: keep the "
                         "set's own test part).",
    "validation_split": "Share of the training samples held out for validation (0 for none).",
    "split_seed": "Seed of the validation split (default: --seed).",
    "layers": "Hidden-layer sizes, comma-separated.",
    "activation": "Hidden activation, or one per hidden layer separated by commas.",
    "kernel_initializer": "How every kernel is drawn (a list of one per layer in a --config "
                          "file).",
    "output_activation": "Output activation (auto: softmax, or sigmoid for "
                         "binary_crossentropy).",
    "loss": "Loss to minimise.",
    "optimizer": "Optimizer.",
    "learning_rate": "Learning rate (default: the optimizer's own).",
    "momentum": "Momentum for sgd and rmsprop.",
    "nesterov": "Nesterov momentum for sgd (true/false).",
    "schedule": "Learning-rate schedule: constant, or cosine decay to 0 over the run.",
    "warmup": "Linear warm-up epochs before the cosine decay.",
    "epochs": "Passes over the training data.",
    "batch_size": "Samples per gradient step.",
    "augment_shift": "Shift each training image by up to N pixels at random (image datasets; "
                     "0: none).",
    "augment_flip": "Mirror training images left-right at random (image datasets; "
                    "true/false).",
    "input_dropout": "Dropout rate on the inputs.",
    "dropout": "Dropout rate after each hidden layer.",
    "batch_norm": "Batch normalisation before each hidden activation (true/false).",
    "use_bias": "A bias in every Dense layer (true/false).",
    "log_every": "Keep the loss and accuracy of every N batches in batch_history.json "
                 "(default: per epoch only).",
    "layer_stats": "Record per-layer activations, saturation, gradient norms and update "
                   "ratios every N updates into layer_stats.json and the report (0: none).",
    "l2": "L2 penalty on every kernel.",
    "max_norm": "Cap on the norm of each unit's incoming weights (0: none).",
    "label_smoothing": "Label smoothing of the cross-entropy.",
    "class_weight": "balanced: every class weighs alike in the loss, whatever its share of "
                    "the samples.",
    "early_stopping": "Stop after N epochs without a lower validation loss and keep the best "
                      "weights (0: off).",
    "seed": "Seed of weights, shuffling, splits and toy data.",
    "dtype": "Precision.",
    "out": "Output directory (default runs/<dataset>).",
}


# Types of the settings whose default is None (not set), so not told by it.
_UNSET_TYPES = {"limit": int, "split_seed": int, "learning_rate": float, "dataset": str,
                "target": str, "csv": click.Path(dir_okay=False), "encoding": str,
                "log_every": int,
                "delimiter": str, "class_weight": str,
                "data_dir": click.Path(file_okay=False), "out": click.Path(file_okay=False)}


def train_choices() -> dict[str, list[str]]:
    """The valid names of each ``nnzero train`` setting that takes a name,
    read from the run config and the registries.

    Example
    -------
    >>> from nnzero.cli.app import train_choices
    >>> "relu" in train_choices()["activation"]
    True
    """
    from .. import activations, initializers, losses, optimizers
    from ..runs.config import DATASETS, DTYPES, SCHEDULES

    return {"dataset": list(DATASETS), "activation": activations.names(),
            "output_activation": ["auto", *activations.names()],
            "kernel_initializer": initializers.names(), "loss": losses.names(),
            "optimizer": optimizers.names(), "schedule": list(SCHEDULES),
            "dtype": list(DTYPES)}


def format_default(value) -> str:
    """A run setting's default as it is typed on the command line.

    Example
    -------
    >>> from nnzero.cli.app import format_default
    >>> format_default([128, 64]), format_default(False), format_default(0.1)
    ('128,64', 'false', '0.1')
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def train_option_help(key: str) -> str:
    """The ``--help`` text of one ``nnzero train`` setting: what it means,
    its valid names and its default (from ``runs.config.DEFAULTS``).

    Example
    -------
    >>> from nnzero.cli.app import train_option_help
    >>> train_option_help("epochs")
    'Passes over the training data. (default 10)'
    """
    from ..runs.config import DEFAULT_DATASET, DEFAULTS

    text = _TRAIN_HELP[key]
    choices = train_choices().get(key)
    if choices and key not in ("schedule", "dtype"):  # click lists a Choice's values itself
        text += f" One of: {', '.join(choices)}."
    default = DEFAULT_DATASET if key == "dataset" else DEFAULTS[key]
    if default is not None:
        text += f" (default {format_default(default)})"
    return text


def _train_option_type(key: str):
    from ..runs.config import DEFAULTS

    if key in ("schedule", "dtype"):
        return click.Choice(train_choices()[key])
    default = DEFAULTS[key]
    if default is None:
        return _UNSET_TYPES[key]
    return str if isinstance(default, list) else type(default)


def _train_options(command):
    from ..runs.config import DEFAULTS

    for key in reversed(list(DEFAULTS)):
        flag = "--" + key.replace("_", "-")
        command = click.option(flag, type=_train_option_type(key), default=None,
                               help=train_option_help(key))(command)
    return command


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="TOML file of settings (keys as the options, e.g. epochs = 5); "
                   "options given here override it.")
@_train_options
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots (faster).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--resume", is_flag=True,
              help="Continue the run that Ctrl-C, SIGTERM or a crash interrupted in --out "
                   "(with the same settings).")
@click.option("--checkpoint-every", type=click.IntRange(1), metavar="N",
              help="Write the checkpoint every N batches as well (it is written after every "
                   "epoch).")
@debug_option
@click.pass_context
def train(ctx, config_path, no_plots, quiet, resume, checkpoint_every, **options):
    """Train a network; write model, history, metrics, plots and report.html.

    The run is written beside --out and moved into place once complete, so
    a previous run there stays whole until then. Ctrl-C or SIGTERM stop
    after the current batch with a checkpoint; --resume continues, to the
    same final model as a run never interrupted.
    """
    import shlex

    from ..runs import load_toml, resolve_config
    from ..runs.launch import RunInterruptedError, launch_run
    from .progress import ProgressBar

    file_values = load_toml(config_path) if config_path else {}
    config = resolve_config(file_values, options, source=config_path or "config")

    def progress(data):
        return [] if quiet else [ProgressBar(len(data.x_train), config["epochs"],
                                             batch_size=config["batch_size"])]

    try:
        launch_run(config, resume=resume, checkpoint_every=checkpoint_every,
                   callbacks=progress, plots=not no_plots, log=None if quiet else click.echo)
    except RunInterruptedError as stop:
        args = list((ctx.obj or {}).get("argv") or ["train", "..."])
        command = shlex.join(["nnzero", *args, *([] if resume else ["--resume"])])
        click.echo(f"nnzero: {stop}\nTo continue: {command}", err=True)
        return 130
    return 0
