"""The checkpoint entry of a ``.nnz`` file: what identifies a run, writing
the training state, and reading it back with every entry checked before
anything in the model changes.

A checkpoint is an nnzero model file (its layout is
:mod:`nnzero.model.file_format`'s) whose metadata also holds
``checkpoint``: JSON with the epoch and batch reached, the history, the
partial sums of an unfinished epoch and a fingerprint of the run (model,
optimizer, loss, batch size, a digest of the data), so a checkpoint is never
resumed by a different run. ``docs/file_format.md`` lists every key.

Example
-------
>>> from nnzero.model.checkpoint_file import STATE_VERSION
>>> STATE_VERSION
1
"""

from __future__ import annotations

import functools
import hashlib
import json
import math

import numpy as np

from .._io import is_json_count, is_json_number, numpy_scalar_to_python
from .._registry import config_of
from ..errors import InvalidArgumentError, ModelFileError
from .file_format import (
    CHECKPOINT_KEY,
    check_rng_state,
    model_file_bytes,
    open_file,
    read_json_entry,
    read_layer_tensors,
    read_optimizer_state,
    read_rng_state,
    read_tensor,
)

__all__ = ["STATE_VERSION", "callback_tensor_name", "checkpoint_bytes", "fingerprint",
           "partial_epoch_entry", "read_arrays", "read_callback_states", "read_state"]

#: Version of the ``checkpoint`` metadata entry's layout.
STATE_VERSION = 1


def fingerprint(model, arrays, input_shape, batch_size, shuffle) -> dict:
    """What must not change between a run and its resumption: the model's
    and training settings and a digest of ``arrays`` (the training and
    validation arrays, ``None`` for one that is absent).

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> run = fingerprint(model, [np.ones((4, 2)), np.ones(4)], (2,), 2, True)
    >>> run["batch_size"], run["samples"], len(run["data"])
    (2, 4, 32)
    """
    optimizer = config_of(model.optimizer, "optimizer")
    if isinstance(optimizer.get("learning_rate"), float):
        # Restored from the checkpoint (a callback may have changed it).
        del optimizer["learning_rate"]
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            digest.update(b"-")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    config = model.get_config()
    config["input_shape"] = list(input_shape)
    return {
        "model": config,
        "optimizer": optimizer,
        "loss": config_of(model.loss, "loss"),
        "metrics": list(model.metric_names),
        "batch_size": batch_size,
        "shuffle": shuffle,
        "samples": len(arrays[0]),
        "data": digest.hexdigest(),
    }


# JSON's hook for the NumPy scalars a history or a metric sum may hold.
_to_json = functools.partial(numpy_scalar_to_python, where="a checkpoint")


def partial_epoch_entry(*, epoch_rng_state, loss_sum, metric_sums, learning_rate,
                        elapsed) -> dict:
    """The ``partial`` value of a checkpoint written inside an epoch: the
    generator's state at the epoch's start (its shuffle is drawn again on
    resumption), the loss and metric sums of the batches done, the rate
    the epoch logs and the seconds it has taken.

    Example
    -------
    >>> sorted(partial_epoch_entry(epoch_rng_state={}, loss_sum=1.5, metric_sums=[0.5],
    ...                            learning_rate=0.01, elapsed=0.2))
    ['elapsed', 'epoch_rng_state', 'learning_rate', 'loss_sum', 'metric_sums']
    """
    return {
        "epoch_rng_state": epoch_rng_state,
        "loss_sum": loss_sum,
        "metric_sums": metric_sums,
        "learning_rate": learning_rate,
        "elapsed": elapsed,
    }


def callback_tensor_name(index: int, key: str, k: int) -> str:
    """The tensor name of array ``k`` of the list ``key`` in the state of
    the callback at position ``index`` of ``fit``'s ``callbacks``.

    Example
    -------
    >>> callback_tensor_name(0, "best_weights", 1)
    'callbacks.0.best_weights.1'
    """
    return f"callbacks.{index}.{key}.{k}"


def _is_array_list(value) -> bool:
    return isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value)


def _callback_entries(callbacks, dtype):
    """The ``callbacks`` list of the checkpoint entry and the tensors it names."""
    entries, tensors = [], {}
    for index, callback in enumerate(callbacks):
        state = callback.get_state()
        if state is None:
            continue
        scalars, arrays = {}, {}
        for key, value in state.items():
            if _is_array_list(value):
                arrays[key] = [list(np.shape(array)) for array in value]
                for k, array in enumerate(value):
                    tensors[callback_tensor_name(index, key, k)] = np.ascontiguousarray(
                        array, dtype=dtype)
            else:
                scalars[key] = value
        entries.append({"index": index, "class": type(callback).__name__,
                        "state": scalars, "arrays": arrays})
    return entries, tensors


def checkpoint_bytes(model, *, epoch, batch, learning_rate, partial, stopped_reason,
                     run_fingerprint, callbacks=(), batch_log=None) -> bytes:
    """The content of a checkpoint: ``model``'s file with the training state
    in its ``checkpoint`` entry.

    ``epoch`` epochs and ``batch`` batches of the next are done; ``partial``
    is ``None`` at an epoch's end, else :func:`partial_epoch_entry`'s. The
    history is ``model.history``'s. ``callbacks`` are those passed to
    ``fit``: each one whose ``get_state()`` is not ``None`` gets an entry in
    ``callbacks`` (its lists of arrays as tensors, see
    :func:`callback_tensor_name`). ``batch_log``, ``fit(log_every=...)``'s
    :class:`.BatchLog`, has its state in ``batch_log`` (``None`` without
    one). A value JSON cannot hold raises TypeError.

    Example
    -------
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((4, 2)), np.ones(4)
    >>> _ = model.fit(x, y, epochs=1, verbose=0)
    >>> data = checkpoint_bytes(model, epoch=1, batch=0, learning_rate=0.01, partial=None,
    ...                         stopped_reason=None,
    ...                         run_fingerprint=fingerprint(model, [x, y], (2,), 4, True))
    >>> data[:8] != b""
    True
    """
    history = model.history
    state = {
        "version": STATE_VERSION,
        "epoch": epoch,
        "batch": batch,
        "learning_rate": learning_rate,
        "history": history.history,
        "history_epochs": history.epoch,
        "stopped_reason": stopped_reason,
        "partial": partial,
        "fingerprint": run_fingerprint,
    }
    entries, tensors = _callback_entries(callbacks, model.dtype)
    state["callbacks"] = entries
    state["batch_log"] = None if batch_log is None else batch_log.get_state()
    text = json.dumps(state, default=_to_json)
    return model_file_bytes(model, extra_metadata={CHECKPOINT_KEY: text},
                            extra_tensors=tensors)


_FINGERPRINT_WORDS = {
    "model": "the model's layers or settings",
    "optimizer": "the optimizer",
    "loss": "the loss",
    "metrics": "the metrics",
    "batch_size": "batch_size",
    "shuffle": "shuffle",
    "samples": "the number of training samples",
    "data": "the training or validation data",
}


def _check_same_run(path, saved, current) -> None:
    if not isinstance(saved, dict):
        raise ModelFileError(
            f"{str(path)!r} has no valid run description; delete it to start over."
        )
    for key, words in _FINGERPRINT_WORDS.items():
        if saved.get(key) != current[key]:
            detail = ""
            if key in ("batch_size", "shuffle", "samples"):
                detail = f" ({saved.get(key)!r} there, {current[key]!r} now)"
            raise InvalidArgumentError(
                f"The checkpoint {str(path)!r} belongs to a different training run: "
                f"{words} changed{detail}. Use another checkpoint_dir, or delete the "
                "checkpoint to start over."
            )


def read_state(path, fingerprint, n_metrics) -> dict:
    """The training state in the checkpoint at ``path``, checked to be
    whole and to belong to the run ``fingerprint`` describes.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    >>> folder = tempfile.mkdtemp()
    >>> _ = model.fit(x, y, epochs=1, verbose=0, batch_size=4, checkpoint_dir=folder)
    >>> run = fingerprint(model, [x, y, None], (2,), 4, True)  # fit's arrays, as fit sees them
    >>> read_state(os.path.join(folder, "checkpoint.nnz"), run, 0)["epoch"]
    1
    """
    with open_file(path, "checkpoint") as f:
        state = read_json_entry(f.metadata() or {}, CHECKPOINT_KEY, path)
    _check_state(state, path)
    _check_same_run(path, state.get("fingerprint"), fingerprint)
    partial = state["partial"]
    if partial is not None and len(partial["metric_sums"]) != n_metrics:
        raise ModelFileError(f"{str(path)!r}: the partial epoch's metric sums do not match.")
    return state


def read_arrays(path, model, state):
    """The weights, optimizer state and generator state in the checkpoint
    at ``path``, all checked against ``model`` before anything is returned:
    ``(layer arrays in file_format.model_arrays order, optimizer state or
    None, rng_state)``. ``state`` is :func:`read_state`'s.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    >>> folder = tempfile.mkdtemp()
    >>> _ = model.fit(x, y, epochs=1, verbose=0, batch_size=4, checkpoint_dir=folder)
    >>> path = os.path.join(folder, "checkpoint.nnz")
    >>> state = read_state(path, fingerprint(model, [x, y, None], (2,), 4, True), 0)
    >>> arrays, optimizer_state, rng_state = read_arrays(path, model, state)
    >>> [a.shape for a in arrays], optimizer_state["iterations"]
    ([(2, 1), (1,)], 1)
    """
    with open_file(path, "checkpoint") as f:
        metadata = f.metadata() or {}
        tensors = read_layer_tensors(f, model, path)
        optimizer_state = read_optimizer_state(model, metadata, f, path)
        rng_state = read_rng_state(metadata, model.rng, path, where="rng_state")
    if state["partial"] is not None:
        check_rng_state(state["partial"]["epoch_rng_state"], model.rng, path, "epoch_rng_state")
    return tensors, optimizer_state, rng_state


def read_callback_states(path, state, callbacks, model) -> list:
    """The callbacks' states in the checkpoint at ``path``, checked against
    ``callbacks`` (those passed to the resuming ``fit``, after
    ``on_train_begin``): ``[(callback, state), ...]``.

    A checkpoint without callback entries (written before nnzero kept them)
    gives ``[]``. A checkpoint whose stateful callbacks differ from these --
    another class at a position, a state where the callback keeps none, or a
    stateful callback the checkpoint has no state for -- is refused with
    InvalidArgumentError naming the difference; a damaged entry or tensor
    with ModelFileError.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnzero as nz
    >>> model = nz.Sequential([nz.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    >>> folder = tempfile.mkdtemp()
    >>> stop = nz.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True)
    >>> _ = model.fit(x, y, epochs=1, verbose=0, batch_size=4, checkpoint_dir=folder,
    ...               callbacks=[stop])
    >>> path = os.path.join(folder, "checkpoint.nnz")
    >>> state = read_state(path, fingerprint(model, [x, y, None], (2,), 4, True), 0)
    >>> [(type(c).__name__, s["wait"], len(s["best_weights"]))
    ...  for c, s in read_callback_states(path, state, [stop], model)]
    [('EarlyStopping', 0, 2)]
    """
    entries = state.get("callbacks")
    if entries is None:
        return []

    def refuse(what):
        raise InvalidArgumentError(
            f"The checkpoint {str(path)!r} was written with other callbacks: {what}. Pass "
            "the callbacks it was written with, in the same order, or delete it to start over."
        )

    def damaged(what):
        raise ModelFileError(
            f"The checkpoint {str(path)!r} is damaged ({what}); delete it to start over."
        )

    if not isinstance(entries, list):
        damaged("invalid callbacks entry")
    saved = {}
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or not is_json_count(entry.get("index"))
            or not isinstance(entry.get("class"), str)
            or not isinstance(entry.get("state"), dict)
            or not isinstance(entry.get("arrays"), dict)
            or entry["index"] in saved
        ):
            damaged("invalid callbacks entry")
        saved[entry["index"]] = entry
    result = []
    with open_file(path, "checkpoint") as f:
        keys = set(f.keys())
        for index in sorted(set(saved) | set(range(len(callbacks)))):
            entry = saved.get(index)
            callback = callbacks[index] if index < len(callbacks) else None
            name = None if callback is None else type(callback).__name__
            current = None if callback is None else callback.get_state()
            if entry is None:
                if current is not None:
                    refuse(f"it has no state for callback {index + 1} ({name}) of this run")
                continue
            if callback is None:
                refuse(f"callback {index + 1} was {entry['class']} there, and this run "
                       f"has only {len(callbacks)} callback(s)")
            if name != entry["class"]:
                refuse(f"callback {index + 1} was {entry['class']} there, {name} now")
            if current is None:
                refuse(f"callback {index + 1} ({name}) kept a state there and keeps none now")
            restored = dict(entry["state"])
            for key, shapes in entry["arrays"].items():
                if not isinstance(shapes, list) or not all(
                    isinstance(shape, list) and all(is_json_count(n) for n in shape)
                    for shape in shapes
                ):
                    damaged(f"invalid array shapes of callback {index + 1}")
                restored[key] = [
                    read_tensor(f, keys, callback_tensor_name(index, key, k),
                                np.zeros(shape, model.dtype), path)
                    for k, shape in enumerate(shapes)
                ]
            result.append((callback, restored))
    return result


def _check_state(state, path) -> None:
    """The checkpoint's own entries have the types and ranges they must."""

    def bad(what):
        raise ModelFileError(
            f"The checkpoint {str(path)!r} is damaged ({what}); delete it to start over."
        )

    if state.get("version") != STATE_VERSION:
        bad(f"state version {state.get('version')!r}, expected {STATE_VERSION}")
    for key in ("epoch", "batch"):
        value = state.get(key)
        if not is_json_count(value):
            bad(f"{key} {value!r}")
    history, epochs = state.get("history"), state.get("history_epochs")
    if not isinstance(history, dict) or not isinstance(epochs, list):
        bad("no history")
    if any(not isinstance(v, list) for v in history.values()):
        bad("history entries must be lists")
    # Checkpoints written before batch records were kept have no entry.
    if not isinstance(state.setdefault("batch_log", None), (dict, type(None))):
        bad("invalid batch_log entry")
    partial = state.setdefault("partial", None)
    if (partial is None) != (state["batch"] == 0):
        bad("batch and partial-epoch state disagree")
    if partial is not None:
        if not isinstance(partial, dict):
            bad("invalid partial-epoch state")
        sums = partial.get("metric_sums")
        numbers = [partial.get(k) for k in ("loss_sum", "learning_rate", "elapsed")]
        if (
            not isinstance(sums, list)
            or not all(is_json_number(v) for v in [*sums, *numbers])
            or not isinstance(partial.get("epoch_rng_state"), dict)
        ):
            bad("invalid partial-epoch state")
        partial["metric_sums"] = [float(v) for v in sums]
        for key in ("loss_sum", "learning_rate", "elapsed"):
            partial[key] = float(partial[key])
    lr = state.setdefault("learning_rate", None)
    if lr is not None and not (is_json_number(lr) and math.isfinite(lr) and lr > 0):
        bad(f"learning_rate {lr!r}")
    if lr is not None:
        state["learning_rate"] = float(lr)
    reason = state.setdefault("stopped_reason", None)
    if reason is not None and not isinstance(reason, str):
        bad("stopped_reason must be text")
