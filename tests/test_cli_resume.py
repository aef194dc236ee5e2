"""``nnzero train`` checkpoints, stops on Ctrl-C/SIGTERM/kill -9 and resumes
bit for bit; runs are staged and moved into place whole.

Every signal arrives at a known batch: a callback added to the run sends it
from inside batch k (or, for SIGKILL, says it is ready and blocks until the
parent kills it). Nothing waits on a clock."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nnzero as nz
from nnzero.cli import main
from nnzero.runs import launch

ARGS = ["train", "--dataset", "moons", "--samples", "240", "--layers", "8", "--epochs", "3",
        "--batch-size", "16", "--no-plots", "--quiet"]
# 240 samples: 192 for training, of which 172 after the validation split: 11 batches an epoch.


@pytest.fixture(autouse=True)
def _python_sigint_for_every_test(python_sigint_handler):
    """Every test here signals the process (conftest's fixture)."""


class _At(nz.callbacks.Callback):
    """Calls ``action`` at the end of the ``step``-th batch of the run."""

    def __init__(self, step, action):
        self.step, self.action, self.seen = step, action, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            self.action()


def _with_callback(monkeypatch, callback):
    real = launch.train_run

    def train_run(config, *, callbacks=(), **kwargs):
        def both(data):
            given = callbacks(data) if callable(callbacks) else list(callbacks)
            return [*given, callback]

        return real(config, callbacks=both, **kwargs)

    monkeypatch.setattr(launch, "train_run", train_run)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """The model file of a run never interrupted."""
    out = tmp_path_factory.mktemp("straight") / "run"
    assert main([*ARGS, "--out", out]) == 0
    return (out / "model.nnz").read_bytes()


def _signal_self(signum):
    return lambda: os.kill(os.getpid(), signum)


@pytest.mark.parametrize("signum, step", [(signal.SIGINT, 14), (signal.SIGTERM, 11),
                                          (signal.SIGINT, 3)])
def test_interrupt_then_resume_is_bit_identical(tmp_path, monkeypatch, capsys, straight,
                                                signum, step):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(step, _signal_self(signum)))
        assert main([*ARGS, "--out", out]) == 130
    err = capsys.readouterr().err
    assert "Interrupted after epoch" in err and "--resume" in err
    assert "Traceback" not in err
    assert not out.exists()  # nothing half-done where the run goes
    assert (tmp_path / ".run.partial" / "checkpoint.nnz").is_file()
    assert main([*ARGS, "--out", out, "--resume"]) == 0
    assert (out / "model.nnz").read_bytes() == straight
    assert not (tmp_path / ".run.partial").exists()


def test_checkpoint_every_n_batches_resumes_inside_the_epoch(tmp_path, monkeypatch, straight):
    out = tmp_path / "run"

    class CrashError(Exception):
        pass

    def crash():
        raise CrashError

    with monkeypatch.context() as patch:
        _with_callback(patch, _At(17, crash))
        assert main([*ARGS, "--out", out, "--checkpoint-every", "5"]) == 1
    state = nz.load_model(tmp_path / ".run.partial" / "checkpoint.nnz")
    assert state is not None
    assert main([*ARGS, "--out", out, "--resume", "--checkpoint-every", "5"]) == 0
    assert (out / "model.nnz").read_bytes() == straight


CHILD = textwrap.dedent(
    """
    import sys
    import nnzero as nz
    from nnzero.cli import main
    from nnzero.runs import launch

    class Wait(nz.callbacks.Callback):
        seen = 0
        def on_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == {step}:
                print("ready", flush=True)
                sys.stdin.readline()  # blocks until the parent kills this process

    real = launch.train_run
    def train_run(config, *, callbacks=(), **kwargs):
        return real(config, callbacks=lambda data: [Wait()], **kwargs)
    launch.train_run = train_run
    sys.exit(main({args!r}))
    """
)


@pytest.mark.parametrize("every", [None, "4"])
def test_kill_9_then_resume_is_bit_identical(tmp_path, straight, every):
    out = tmp_path / "run"
    args = [*ARGS, "--out", str(out), *(["--checkpoint-every", every] if every else [])]
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(step=18, args=args))
    child = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, MPLBACKEND="Agg"))
    try:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        child.kill()
    finally:
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert not out.exists()
    assert main([*args, "--resume"]) == 0
    assert (out / "model.nnz").read_bytes() == straight


def test_resume_with_other_settings_is_refused_naming_them(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(5, _signal_self(signal.SIGINT)))
        assert main([*ARGS, "--out", out]) == 130
    capsys.readouterr()
    assert main([*ARGS, "--out", out, "--resume", "--epochs", "4", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "epochs: 3 in the interrupted run, 4 now" in err
    assert "seed: 0 in the interrupted run, 1 now" in err
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / ".run.partial" / "checkpoint.nnz").is_file()  # still resumable


def test_resume_with_nothing_to_resume_says_so(tmp_path, capsys):
    assert main([*ARGS, "--out", tmp_path / "run", "--resume"]) == 2
    assert "Nothing to resume" in capsys.readouterr().err


def test_interrupted_run_leaves_the_previous_run_whole(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert main([*ARGS[:-2], "--out", out, "--quiet"]) == 0  # with plots
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with monkeypatch.context() as patch:
        _with_callback(patch, _At(20, _signal_self(signal.SIGINT)))
        assert main([*ARGS, "--out", out, "--seed", "3"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failed_run_without_checkpoint_leaves_no_staging_directory(tmp_path, monkeypatch):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.nnz").write_bytes(b"old")

    def fail():
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patch:
        _with_callback(patch, _At(2, fail))  # before the first checkpoint
        assert main([*ARGS, "--out", out]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (out / "model.nnz").read_bytes() == b"old"


def test_new_run_replaces_the_old_one_and_its_plots(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*ARGS[:-2], "--out", out, "--quiet"]) == 0
    assert (out / "history.png").is_file()
    assert main([*ARGS, "--out", out]) == 0  # --no-plots
    assert not list(out.glob("*.png"))
    assert "<img" not in (out / "report.html").read_text()


@pytest.mark.parametrize("where, message", [
    ("/dev/null", "it is a character device, not a directory"),
    ("/proc/nnzero-run", "kernel file system"),
])
def test_unusable_output_is_refused_before_training(monkeypatch, capsys, where, message):
    monkeypatch.setattr(launch, "train_run", lambda *a, **k: pytest.fail("trained"))
    assert main([*ARGS, "--out", where]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_huge_network_is_refused_before_loading_data(monkeypatch, capsys):
    monkeypatch.setattr(launch, "train_run", lambda *a, **k: pytest.fail("trained"))
    args = ["train", "--dataset", "mnist", "--layers", "1000000000", "--out",
            "/tmp/nnzero-never-written"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "795,000,000,010 parameters" in err and "of memory" in err
    assert len(err.strip().splitlines()) == 1
    assert not Path("/tmp/nnzero-never-written").exists()


def test_huge_generated_set_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(launch, "train_run", lambda *a, **k: pytest.fail("trained"))
    assert main(["train", "--dataset", "moons", "--samples", "100000000000", "--out",
                 "/tmp/nnzero-never-written"]) == 2
    assert "samples 100000000000: generating them" in capsys.readouterr().err


def test_train_run_into_an_old_directory_drops_the_old_plots(tmp_path):
    from nnzero.runs import resolve_config, train_run

    out = tmp_path / "run"
    out.mkdir()
    for name in ("history.png", "confusion_matrix.png", "decision_boundary.png"):
        (out / name).write_bytes(b"an older run's plot")
    config = resolve_config(overrides={"dataset": "moons", "samples": 100, "epochs": 1,
                                       "layers": "4", "out": str(out)})
    train_run(config, plots=False, log=None)
    assert not list(out.glob("*.png"))
    assert "<img" not in (out / "report.html").read_text()
