"""Training runs from a config: what ``nnzero train`` does, usable from Python.

:func:`resolve_config` merges defaults, a TOML file and overrides;
:func:`train_run` loads the data, trains, and writes the run directory
(model, history, metrics, plots and ``report.html``); :func:`launch_run`
does it as ``nnzero train`` does: checked first, staged beside the
directory, checkpointed, resumable.

Example
-------
>>> from nnzero.runs import resolve_config
>>> resolve_config(overrides={"dataset": "xor"})["out"]
'runs/xor'
"""

from .config import DATASETS, DEFAULTS, ConfigError, load_toml, resolve_config, to_toml
from .data import RunData, encode_targets, load_run_data
from .launch import RunInterruptedError, launch_run
from .train import PLOT_FILES, RunResult, build_model, train_run, write_plots

__all__ = [
    "DATASETS",
    "DEFAULTS",
    "PLOT_FILES",
    "ConfigError",
    "RunData",
    "RunInterruptedError",
    "RunResult",
    "build_model",
    "encode_targets",
    "launch_run",
    "load_run_data",
    "load_toml",
    "resolve_config",
    "to_toml",
    "train_run",
    "write_plots",
]
