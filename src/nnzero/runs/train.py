"""Train from a resolved config and write the run's directory.

The directory holds ``model.nnz``, ``history.json`` and ``history.csv``,
``predictions.csv`` (true and predicted class of every test sample, with
the label names and, for a CSV file, the file's data-row number; for a
regression the true and predicted values),
``metrics.json`` (scores, timings, the resolved config, versions),
``config.toml`` (to run it again with ``nnzero train --config``), the plots
as PNG, and ``report.html``.

Example
-------
>>> import tempfile
>>> from nnzero.runs import resolve_config, train_run
>>> out = tempfile.mkdtemp()
>>> config = resolve_config(overrides={"dataset": "moons", "samples": 200, "epochs": 2,
...                                    "layers": "8", "out": out})
>>> result = train_run(config, plots=False, log=None)  # doctest: +SKIP
>>> sorted(result.metrics)[:3]  # doctest: +SKIP
['class_names', 'config', 'created']
"""

from __future__ import annotations

import csv
import json
import math
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import constraints, losses, optimizers, regularizers, schedules
from .. import layers as layers_module
from .._io import atomic_write_bytes, numpy_scalar_to_python
from .._version import __version__
from ..errors import InvalidArgumentError, NonFiniteLossWarning
from ..model import Sequential
from ..model.callbacks import LayerStats
from ..report import PLOT_FILES, write_report
from .config import to_toml
from .data import RunData, encode_targets, load_run_data
from .fitting import finish_fit, plan_fit
from .memory import check_network_memory
from .outputs import (
    data_description,
    prediction_rows,
    regression_prediction_rows,
    regression_results,
)

__all__ = ["PLOT_FILES", "RunResult", "build_model", "train_run", "write_plots"]


@dataclass
class RunResult:
    """What :func:`train_run` produced: the model, its history and scores.

    Example
    -------
    >>> from nnzero.runs.train import RunResult
    >>> RunResult.__dataclass_fields__.keys()
    dict_keys(['out_dir', 'model', 'history', 'metrics', 'data'])
    """

    out_dir: Path
    model: object
    history: object
    metrics: dict
    data: RunData


def build_model(config: dict, n_classes: int, n_train: int | None = None,
                regression: bool = False):
    """The compiled network a config describes, for ``n_classes`` classes
    (with ``regression``, one linear output unit and no accuracy metric).

    Augmentation layers first when ``augment_shift`` > 0 (RandomTranslation)
    or ``augment_flip`` (RandomFlip); dropout on the inputs when
    ``input_dropout`` > 0; hidden Dense layers of
    ``layers`` units with ``activation`` (a name, or a list of one per
    hidden layer; each followed by Dropout when
    ``dropout`` > 0, with an L2 kernel penalty when ``l2`` > 0 and a
    max-norm cap when ``max_norm`` > 0; with ``batch_norm`` each is a
    Dense without bias, a BatchNormalization and an Activation), then the
    output layer: one sigmoid unit for binary cross-entropy on two classes,
    else one unit per class with ``output_activation`` (``auto``: softmax,
    or sigmoid for binary cross-entropy). ``schedule = "cosine"`` needs ``n_train``, the number
    of training samples, to count the steps it decays over.

    Example
    -------
    >>> from nnzero.runs.config import resolve_config
    >>> from nnzero.runs.train import build_model
    >>> model = build_model(resolve_config(overrides={"layers": "16"}), 10)
    >>> model
    Sequential([Dense, Dense], seed=0, dtype='float32')
    >>> model.optimizer.learning_rate, model.loss.registered_name
    (0.001, 'sparse_categorical_crossentropy')
    """
    loss = losses.get(config["loss"])
    binary = loss.registered_name == "binary_crossentropy"
    n_outputs = 1 if regression or (binary and n_classes == 2) else n_classes
    output_activation = config["output_activation"]
    if output_activation == "auto":
        output_activation = "linear" if regression else "sigmoid" if binary else "softmax"
    hidden = config["activation"]
    if not isinstance(hidden, list):  # one for every hidden layer
        hidden = [hidden] * len(config["layers"])
    if config.get("label_smoothing"):
        loss = type(loss)(label_smoothing=config["label_smoothing"])
    dense = {"kernel_regularizer": regularizers.L2(config["l2"]) if config["l2"] else None}
    kernels = config.get("kernel_initializer", "glorot_uniform")
    if not isinstance(kernels, list):  # one for every Dense layer
        kernels = [kernels] * (len(config["layers"]) + 1)
    if config.get("max_norm"):
        dense["kernel_constraint"] = constraints.MaxNorm(config["max_norm"])
    layers = []
    if config.get("augment_shift"):
        layers.append(layers_module.RandomTranslation(config["augment_shift"]))
    if config.get("augment_flip"):
        layers.append(layers_module.RandomFlip())
    if config.get("input_dropout"):
        layers.append(layers_module.Dropout(config["input_dropout"]))
    for units, kernel, activation in zip(config["layers"], kernels[:-1], hidden, strict=True):
        if config.get("batch_norm"):
            layers += [layers_module.Dense(units, use_bias=False, kernel_initializer=kernel,
                                           **dense),
                       layers_module.BatchNormalization(),
                       layers_module.Activation(activation)]
        else:
            layers.append(layers_module.Dense(units, activation=activation,
                                              use_bias=config.get("use_bias", True),
                                              kernel_initializer=kernel, **dense))
        if config["dropout"]:
            layers.append(layers_module.Dropout(config["dropout"]))
    layers.append(layers_module.Dense(n_outputs, activation=output_activation,
                                      use_bias=config.get("use_bias", True),
                                      kernel_initializer=kernels[-1], **dense))
    model = Sequential(layers, seed=config["seed"], dtype=config["dtype"])
    optimizer = {"name": config["optimizer"]}
    if config["learning_rate"] is not None:
        optimizer["learning_rate"] = config["learning_rate"]
    if config["momentum"]:
        optimizer["momentum"] = config["momentum"]
    if config.get("nesterov"):
        optimizer["nesterov"] = True
    if config.get("schedule", "constant") == "cosine":
        optimizer["learning_rate"] = _cosine(config, optimizer, n_train)
    model.compile(optimizer=optimizers.get(optimizer), loss=loss,
                  metrics=[] if regression else ["accuracy"])
    return model


def _cosine(config, optimizer, n_train):
    """Cosine decay from the configured rate to 0 over every step of the run."""
    if n_train is None:
        raise InvalidArgumentError("schedule = 'cosine' needs the number of training "
                                      "samples (n_train) to count its steps.")
    lr0 = optimizer.get("learning_rate", optimizers.get(config["optimizer"]).learning_rate)
    per_epoch = math.ceil(n_train / min(config["batch_size"], n_train))
    return schedules.CosineDecay(lr0, per_epoch * (config["epochs"] - config["warmup"]),
                                    warmup_steps=per_epoch * config["warmup"])


def train_run(config: dict, *, callbacks=(), plots: bool = True, log=print, out_dir=None,
              checkpoint_dir=None, checkpoint_every=None) -> RunResult:
    """Load the data, build and fit the model, and write the run directory.

    ``callbacks`` is a list of callbacks for ``fit``, or a function that
    receives the loaded :class:`RunData` and returns one (a progress bar
    needs the number of training samples). ``log`` receives one line per
    step worth telling (``None``: silent).
    Failures while drawing a plot are logged and skipped, so that a trained
    model is never lost to a plotting problem.

    The files go to ``out_dir`` (default ``config["out"]``; ``nnzero
    train`` passes its staging directory, see :mod:`nnzero.runs.launch`).
    With ``checkpoint_dir`` training keeps the library's checkpoint there
    (every epoch, and every ``checkpoint_every`` batches) and resumes from
    one found there; after Ctrl-C the result comes back with
    ``history.interrupted`` set, and nothing else is written.

    Example
    -------
    >>> from nnzero.runs import resolve_config, train_run
    >>> result = train_run(resolve_config(overrides={"dataset": "xor"}))  # doctest: +SKIP
    """
    say = log or (lambda _line: None)
    data = load_run_data(config)
    regression = data.extra.get("regression", False)
    check_network_memory(config, data.n_features, max(1, data.n_classes))
    model = build_model(config, data.n_classes, len(data.x_train), regression=regression)
    n_outputs = model.output_width((data.n_features,))
    encode = lambda y: encode_targets(y, model.loss, n_outputs)  # noqa: E731
    plan = plan_fit(config, data, encode, regression=regression,
                    scale_features=data.extra.get("scale_features", False)
                    and config.get("standardize", True))
    say(f"{data.name}: {len(data.x_train)} training, "
        f"{0 if data.x_val is None else len(data.x_val)} validation and {len(data.x_test)} "
        f"test samples of {data.n_features} features, "
        + ("a numeric target" if regression else f"{data.n_classes} classes"))
    layer_sizes = "-".join(map(str, [data.n_features, *config["layers"], n_outputs]))
    say(f"Network {layer_sizes}, {config['optimizer']}, {config['epochs']} epochs, "
        f"batch {config['batch_size']}")

    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        # A diverging run overflows; fit stops it, and the reason is logged
        # below and kept in metrics.json rather than warned about.
        warnings.simplefilter("ignore", NonFiniteLossWarning)
        stats = [LayerStats(every=config["layer_stats"])] if config.get("layer_stats") else []
        history = model.fit(plan.x, plan.y, epochs=config["epochs"],
                            batch_size=config["batch_size"], validation_data=plan.validation,
                            callbacks=[*plan.callbacks, *(callbacks(data) if callable(callbacks)
                                                          else callbacks), *stats],
                            verbose=0, checkpoint_dir=checkpoint_dir,
                            checkpoint_every=checkpoint_every,
                            log_every=config.get("log_every"), **plan.kwargs)
    train_seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    out = Path(out_dir if out_dir is not None else config["out"])
    if history.interrupted:
        return RunResult(out, model, history, {}, data)
    finish_fit(model, plan)  # the saved model takes raw rows, answers in the target's units
    # After a diverged run the weights may overflow; the nan loss says so.
    with np.errstate(over="ignore", invalid="ignore"):
        if regression:
            scores, predicted = regression_results(model, data)
        else:
            scores = model.evaluate(data.x_test, encode(data.y_test))
            probabilities = model.predict_proba(data.x_test)
            predicted = model.predict_classes(data.x_test)

    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "model.nnz")
    # The rate to start from (a schedule's initial one), so config.toml runs it again.
    rate = model.optimizer.learning_rate
    resolved = dict(config, learning_rate=float(getattr(rate, "initial_learning_rate", rate)))
    metrics = _metrics(model, history, scores, train_seconds, resolved, data)
    metrics.update(data_description(data))
    # CPU time of every thread: unlike the wall time, it barely grows when other
    # programs share the machine, so runs on a busy machine stay comparable.
    metrics["train_cpu_seconds"] = round(cpu_seconds, 4)
    _write_json(out / "metrics.json", metrics)
    _write_json(out / "history.json", history.history)
    _write_history_csv(out / "history.csv", history.history)
    _write_csv(out / "predictions.csv", regression_prediction_rows(data, predicted) if regression
               else prediction_rows(data, predicted, probabilities))
    atomic_write_bytes(out / "config.toml", to_toml(resolved).encode())
    for name in PLOT_FILES:  # a plot an earlier run left here is not this run's
        (out / name).unlink(missing_ok=True)
    for name, record in (("batch_history.json", history.batches),  # fit's log_every
                         ("layer_stats.json", stats[0].as_dict() if stats else None)):
        if record:
            _write_json(out / name, record)
        else:
            (out / name).unlink(missing_ok=True)
    if plots:
        for problem in write_plots(out, model, history, data, predicted):
            say(f"Skipped a plot: {problem}")
    write_report(out)
    if history.stopped_reason:
        say(f"Stopped early: {history.stopped_reason}")
    figures = (f"R² {scores['r2']:.4f}, RMSE {scores['rmse']:.4g}" if regression
               else f"accuracy {scores['accuracy']:.4f}")
    # The run's own directory, where a staged run is about to be moved.
    say(f"Test {figures} (loss {scores['loss']:.4f}) after "
        f"{metrics['epochs']} epochs in {train_seconds:.2f} s; wrote {config['out']}")
    return RunResult(out, model, history, metrics, data)


def write_plots(out, model, history, data: RunData, predicted) -> list[str]:
    """Draw the run's plots into ``out`` as PNG; return the problems met.

    Curves and the confusion matrix always; misclassified images and
    first-layer weights for image data; the decision boundary for 2-D data.

    Example
    -------
    >>> from nnzero.runs.train import write_plots
    >>> callable(write_plots)
    True
    """
    try:
        from .. import plot
    except ImportError as err:
        return [f"nnzero.plot cannot be imported: {err}"]

    jobs = {}
    if history.epoch:  # a run that diverged in its first epoch has no curves
        jobs["history.png"] = lambda: plot.history(history)
    if data.extra.get("regression"):
        from .regression import predicted_vs_true

        jobs["predicted_vs_true.png"] = lambda: predicted_vs_true(data.y_test, predicted)
    else:
        jobs["confusion_matrix.png"] = lambda: plot.confusion_matrix(
            data.y_test, predicted, class_names=data.class_names)
    if data.image_shape is not None:
        jobs["misclassified.png"] = lambda: plot.misclassified(
            data.x_test, data.y_test, predicted, image_shape=data.image_shape,
            class_names=data.class_names)
        jobs["first_layer_weights.png"] = lambda: plot.first_layer_weights(
            model, image_shape=data.image_shape)
    if data.n_features == 2 and not data.extra.get("regression"):
        jobs["decision_boundary.png"] = lambda: plot.decision_boundary(
            model, data.x_test, data.y_test, class_names=data.class_names)
    if (Path(out) / "layer_stats.json").is_file():  # written when the run recorded them
        jobs["layer_stats.png"] = lambda: plot.layer_stats(
            json.loads((Path(out) / "layer_stats.json").read_text(encoding="utf-8")))
    problems = []
    for name, draw in jobs.items():
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                figure = draw()
                plot.save(figure, out / name)
        except Exception as err:  # a plot must never cost the trained model
            problems.append(f"{name}: {type(err).__name__}: {err}")
        finally:
            _close_all()
    return problems


def _close_all():
    import matplotlib.pyplot as plt

    plt.close("all")


def _metrics(model, history, scores, train_seconds, config, data) -> dict:
    logs = history.history
    last = {key: values[-1] for key, values in logs.items() if values}
    regression = {f"test_{k}": float(scores[k]) for k in ("r2", "rmse", "mae") if k in scores}
    return {
        "test_accuracy": float(scores["accuracy"]) if "accuracy" in scores else None,
        "test_loss": float(scores["loss"]),
        **regression,
        "train_accuracy": last.get("accuracy"),
        "train_loss": last.get("loss"),
        "val_accuracy": last.get("val_accuracy"),
        "val_loss": last.get("val_loss"),
        "train_seconds": round(train_seconds, 4),
        "mean_epoch_seconds": float(np.mean(logs["epoch_time"])) if logs.get("epoch_time")
        else None,
        "epochs": len(history.epoch),
        "stopped_reason": history.stopped_reason,
        "seed": config["seed"],
        "dataset": data.name,
        "data_source": data.source,
        "n_train": len(data.x_train),
        "n_val": 0 if data.x_val is None else len(data.x_val),
        "n_test": len(data.x_test),
        "n_features": data.n_features,
        "class_names": data.class_names,
        "image_shape": None if data.image_shape is None else list(data.image_shape),
        "parameters": model.count_params(),
        "model_summary": model.summary(print_fn=None),
        "config": config,
        "versions": {
            "nnzero": __version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "platform": sys.platform,
        },
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _write_json(path, value):
    # NaN and infinity are not JSON; a diverged run's loss is written as null.
    text = json.dumps(_finite(value), indent=2, default=numpy_scalar_to_python, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _write_history_csv(path, logs):
    keys = list(logs)
    rows = [["epoch", *keys]]
    for i in range(max((len(v) for v in logs.values()), default=0)):
        rows.append([i + 1, *(logs[k][i] if i < len(logs[k]) else "" for k in keys)])
    _write_csv(path, rows)


def _write_csv(path, rows):
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    atomic_write_bytes(path, buffer.getvalue().encode())
