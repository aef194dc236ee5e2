"""A training run as ``nnzero train`` runs it: checked, staged, checkpointed, resumable.

:func:`launch_run` wraps :func:`~nnzero.runs.train.train_run`:

1. before any data is loaded, the output directory is checked
   (:func:`~nnzero.runs.staging.check_output_dir`) and the sizes of the
   network and of a generated data set are compared with the memory
   available (:mod:`nnzero.runs.memory`);
2. the run is written into its staging directory ``.NAME.partial`` beside
   ``out``, which also holds its settings and the library's checkpoint
   (after every epoch, and every ``checkpoint_every`` batches);
3. Ctrl-C or SIGTERM stop training after the batch, with the checkpoint
   written, and raise :class:`RunInterruptedError`; the staging directory stays,
   and the same run with ``resume=True`` continues it. The final model is
   bit-identical to that of a run never interrupted, even after ``kill -9``;
4. once everything is written, the staging directory replaces ``out`` in
   one step (:class:`~nnzero.runs.staging.RunStage`).

Example
-------
>>> import tempfile, os
>>> from nnzero.runs import resolve_config
>>> from nnzero.runs.launch import launch_run
>>> out = os.path.join(tempfile.mkdtemp(), "xor")
>>> config = resolve_config(overrides={"dataset": "xor", "samples": 100, "epochs": 2,
...                                    "layers": "4", "out": out})
>>> result = launch_run(config, plots=False, log=None)
>>> sorted(os.listdir(out))[:3]
['checkpoint.nnz', 'config.toml', 'history.csv']
"""

from __future__ import annotations

from ..model.checkpoint import CHECKPOINT_FILE
from .memory import check_network_memory, check_sample_memory, known_shape
from .resume import check_resume, save_settings, terminate_as_interrupt
from .staging import RunStage, check_output_dir
from .train import train_run

__all__ = ["RunInterruptedError", "launch_run"]


class RunInterruptedError(Exception):
    """Training stopped at a batch boundary (Ctrl-C or SIGTERM) with its
    checkpoint written; the run can be resumed.

    ``stage`` is the staging directory that holds the checkpoint and
    ``reason`` says where training stopped.

    Example
    -------
    >>> from nnzero.runs.launch import RunInterruptedError
    >>> str(RunInterruptedError("runs/.x.partial", "after epoch 2"))
    "Interrupted after epoch 2; the run's checkpoint is in 'runs/.x.partial'."
    """

    def __init__(self, stage, reason: str):
        self.stage, self.reason = stage, reason
        super().__init__(f"Interrupted {reason}; the run's checkpoint is in {str(stage)!r}.")


def launch_run(config: dict, *, resume: bool = False, checkpoint_every: int | None = None,
               callbacks=(), plots: bool = True, log=print):
    """Check, stage, train and move the run of a resolved ``config`` into place.

    ``resume`` continues the run that an interruption left in the staging
    directory of ``config["out"]``; its settings must be ``config``'s.
    Other arguments are :func:`~nnzero.runs.train.train_run`'s. Returns its
    :class:`~nnzero.runs.train.RunResult`, with ``out_dir`` the final
    directory.

    Raises
    ------
    OutputDirError
        ``out`` cannot be written, or another run is writing there.
    MemoryLimitError
        The network or the generated data set would not fit in memory.
    ResumeError
        ``resume`` with nothing to resume, or with other settings.
    RunInterruptedError
        Ctrl-C or SIGTERM stopped training; the checkpoint is written.
    """
    check_output_dir(config["out"])
    check_sample_memory(config)
    shape = known_shape(config)
    if shape is not None:
        check_network_memory(config, *shape)
    stage = RunStage(config["out"])
    if resume:
        stage.begin(resume=True)
        try:
            check_resume(stage.path, config)
        except BaseException:
            stage.release()
            raise
        if log is not None:
            log(f"Resuming the interrupted run from {stage.path / CHECKPOINT_FILE}")
    else:
        stage.begin()
        save_settings(stage.path, config)
    try:
        with terminate_as_interrupt():
            result = train_run(config, callbacks=callbacks, plots=plots, log=log,
                               out_dir=stage.path, checkpoint_dir=stage.path,
                               checkpoint_every=checkpoint_every)
    except BaseException:
        _keep_if_resumable(stage)
        raise
    if result.history.interrupted:
        stage.release()
        raise RunInterruptedError(stage.path, _where(result.history.stopped_reason))
    stage.commit()
    result.out_dir = stage.out
    return result


def _keep_if_resumable(stage: RunStage) -> None:
    """After a failure, keep a staging directory that holds a checkpoint."""
    if (stage.path / CHECKPOINT_FILE).is_file():
        stage.release()
    else:
        stage.discard()


def _where(reason) -> str:
    # The library says "interrupted (Ctrl-C) after epoch 2, batch 7; ...".
    text = str(reason or "")
    start = text.find("after ")
    return text[start:].split(";")[0] if start >= 0 else "during training"
