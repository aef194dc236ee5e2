"""The checkpoint file: what identifies a run, and reading a checkpoint back
with every entry checked before anything in the model changes.

A checkpoint is an nnzero model file (see :mod:`nnzero.model.saving`) whose
metadata also holds ``checkpoint``: JSON with the epoch and batch reached,
the history, the partial sums of an unfinished epoch and a fingerprint of
the run (model, optimizer, loss, batch size, a digest of the data), so a
checkpoint is never resumed by a different run.

Example
-------
>>> from nnzero.model.checkpoint_file import STATE_VERSION
>>> STATE_VERSION
1
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from safetensors import safe_open

from .._registry import config_of
from ..errors import InvalidArgumentError, ModelFileError
from . import saving

__all__ = ["STATE_VERSION", "fingerprint", "plain", "read_arrays", "read_state"]

#: Version of the ``checkpoint`` metadata entry's layout.
STATE_VERSION = 1


def fingerprint(model, arrays, input_shape, batch_size, shuffle) -> dict:
    """What must not change between a run and its resumption."""
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


def _open(path):
    try:
        return safe_open(str(path), framework="numpy")
    except Exception as err:  # the Rust parser raises its own error types
        raise ModelFileError(
            f"The checkpoint {str(path)!r} is unreadable ({err}); delete it to start over."
        ) from None


def read_state(path, fingerprint, n_metrics) -> dict:
    """The training state in a checkpoint, checked to belong to this run."""
    with _open(path) as f:
        state = saving._json(f.metadata() or {}, "checkpoint", path)
    _check_state(state, path)
    _check_same_run(path, state.get("fingerprint"), fingerprint)
    partial = state["partial"]
    if partial is not None and len(partial["metric_sums"]) != n_metrics:
        raise ModelFileError(f"{str(path)!r}: the partial epoch's metric sums do not match.")
    return state


def read_arrays(path, model, state):
    """The weights, optimizer state and generator state in a checkpoint,
    all checked against ``model`` before anything is returned."""
    with _open(path) as f:
        metadata = f.metadata() or {}
        keys = set(f.keys())
        tensors = [
            saving._tensor(f, keys, f"layers.{i}.{name}", param, path)
            for i, layer in enumerate(model.layers)
            for name, param in saving._layer_arrays(layer)
        ]
        optimizer_state = saving.optimizer_state(model, metadata, f, keys, path)
        rng_state = saving._json(metadata, "rng_state", path)
    _check_rng_state(rng_state, model, path, "rng_state")
    if state["partial"] is not None:
        _check_rng_state(state["partial"]["epoch_rng_state"], model, path, "epoch_rng_state")
    return tensors, optimizer_state, rng_state


def _check_rng_state(candidate, model, path, where) -> None:
    scratch = np.random.Generator(type(model.rng.bit_generator)())
    try:
        scratch.bit_generator.state = candidate
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ModelFileError(f"{str(path)!r} has an invalid {where}: {err}") from None


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
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            bad(f"{key} {value!r}")
    history, epochs = state.get("history"), state.get("history_epochs")
    if not isinstance(history, dict) or not isinstance(epochs, list):
        bad("no history")
    if any(not isinstance(v, list) for v in history.values()):
        bad("history entries must be lists")
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
            or not all(_is_real(v) for v in [*sums, *numbers])
            or not isinstance(partial.get("epoch_rng_state"), dict)
        ):
            bad("invalid partial-epoch state")
        partial["metric_sums"] = [float(v) for v in sums]
        for key in ("loss_sum", "learning_rate", "elapsed"):
            partial[key] = float(partial[key])
    lr = state.setdefault("learning_rate", None)
    if lr is not None and not (_is_real(lr) and math.isfinite(lr) and lr > 0):
        bad(f"learning_rate {lr!r}")
    if lr is not None:
        state["learning_rate"] = float(lr)
    reason = state.setdefault("stopped_reason", None)
    if reason is not None and not isinstance(reason, str):
        bad("stopped_reason must be text")


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be stored in a checkpoint")
