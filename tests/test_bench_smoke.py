"""The benchmark runs end to end (``--quick`` on tiny synthetic data), its
options refuse bad values, and its parts compute what they say.

Only that the script runs and prints its table is checked; its timings are
never asserted (they depend on the machine and its load).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
PEERS = BENCH.parent / "tutorial_004_peers.py"
HAS_JAX = all(importlib.util.find_spec(m) is not None for m in ("jax", "jaxlib", "optax"))
HAS_NUMBA = importlib.util.find_spec("numba") is not None

sys.path.insert(0, str(BENCH.parent))
import bench  # noqa: E402
from common import MemoryWatch  # noqa: E402
from replay import Replay, batch_sizes, kernel_shapes  # noqa: E402
from suite import build_rows  # noqa: E402
from table import render  # noqa: E402


def run_bench(*args, timeout=300):
    # One thread: the run proves the code paths, and a second thread only
    # waits for a core on a busy machine.
    return subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--synthetic", "200", "--threads", "1", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def test_quick_benchmark_prints_the_table(tmp_path):
    done = run_bench("--frameworks", "nnzero,pytorch,sklearn", "--rounds", "2",
                     "--size", "2M", "--tmpdir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert ("| Case | Unit | nnzero | PyTorch | scikit-learn | GEMM replay | nnzero ÷ PyTorch"
            " | nnzero ÷ scikit-learn | nnzero ÷ replay |") in out
    for row in ("| 1. MNIST 784-128-64-10", "| 2. 784-128-64-10 sigmoid", "| 3. 784-128-32-10",
                "| 4. 784-1000-10", "| 5. Inference, 100 test images, batch 1000 |",
                "| 5. Inference, 100 test images, batch 1 |",
                "| 6. Memory training case 1, peak above the child's baseline |",
                "| 6. Memory training case 1, peak RSS of the whole child |"):
        assert row in out
    # Two rounds, the second starting with the second framework.
    assert "orders: nnzero, pytorch, sklearn | pytorch, sklearn, nnzero" in out
    case1 = next(line for line in out.splitlines() if line.startswith("| 1. "))
    # nnzero ÷ each peer and ÷ replay: a median and, over two rounds, a range.
    assert len(re.findall(r"\| \d+\.\d\d( \(\d+\.\d\d–\d+\.\d\d\))? ", case1 + " ")) == 3
    assert "| numpy.memmap |" in out and "| in memory |" in out
    assert "Targets (issue 19; out of core: issue 6), on the medians:" in out
    assert list(tmp_path.iterdir()) == []  # the memory-mapped file is removed


@pytest.mark.skipif(not HAS_JAX, reason="JAX not installed (the bench extra installs it)")
def test_quick_benchmark_times_both_jax_forms():
    done = run_bench("--frameworks", "nnzero,jax,jax-scan", "--cases", "1,5,6")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "| Case | Unit | nnzero | JAX jit | JAX scan | GEMM replay |" in out
    assert "JAX 0." in out or "JAX 1." in out  # the versions in the header
    inference = next(line for line in out.splitlines() if "batch 1000 |" in line)
    cells = [c.strip() for c in inference.split("|")]
    # JAX scan's inference is JAX jit's function, timed once: its cell is empty.
    assert cells[4] != "—" and cells[5] == "—"
    accuracy = next(line for line in out.splitlines()
                    if line.startswith("| 1. ") and "s/epoch" not in line)
    assert accuracy.count("0.") >= 3  # every framework trained and was scored


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds must be at least 1; received 0"),
        (["--repeats", "-1"], "--repeats must be at least 1; received -1"),
        (["--threads", "0"], "--threads must be at least 1; received 0"),
        (["--steps", "0"], "--steps must be at least 1; received 0"),
        (["--cases", "1,7"], "--cases: unknown case(s) 7; choose from 1,2,3,4,5,6,ooc"),
        (["--cases", ","], "--cases: unknown case(s) (none given)"),
        (["--frameworks", "nnzero,tensorflow"], "--frameworks: unknown framework(s) tensorflow"),
        (["--frameworks", "pytorch,sklearn"], "--frameworks must include nnzero"),
        (["--size", "lots"], "--size: size must look like 2G, 500M or 64k"),
    ],
)
def test_bad_options_are_refused_before_any_work(args, message):
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert message in done.stderr


def test_jax_asked_for_but_missing(monkeypatch, capsys):
    monkeypatch.setattr(bench, "jax_installed", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--frameworks", "nnzero,jax-scan"])
    assert exit_info.value.code == 2
    assert "--frameworks asks for JAX, but JAX is not installed" in capsys.readouterr().err
    # Not asked for: the JAX forms are left out with a note, the others stay.
    monkeypatch.setattr(bench, "numba_installed", lambda: True)
    args = bench.parse_args([])
    assert args.frameworks == ["nnzero", "nnzero-numba", "pytorch", "sklearn"]
    assert "the JAX forms are left out" in capsys.readouterr().err


def test_numba_asked_for_but_missing(monkeypatch, capsys):
    monkeypatch.setattr(bench, "numba_installed", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--frameworks", "nnzero,nnzero-numba"])
    assert exit_info.value.code == 2
    assert "--frameworks asks for nnzero-numba, but numba is not installed" in \
        capsys.readouterr().err
    monkeypatch.setattr(bench, "jax_installed", lambda: True)
    assert "nnzero-numba" not in bench.parse_args([]).frameworks
    assert "nnzero-numba is left out" in capsys.readouterr().err


def test_each_nnzero_child_gets_its_kernel_switch():
    from frameworks import kernels_environment

    assert kernels_environment("nnzero", {"A": "1"}) == {"A": "1", "NNZERO_KERNELS": "numpy"}
    assert kernels_environment("nnzero-numba", {"NNZERO_KERNELS": "numpy"}) == {}
    assert kernels_environment("pytorch", {"NNZERO_KERNELS": "numpy"}) == {}


@pytest.mark.skipif(not HAS_NUMBA, reason="numba not installed (the numba extra installs it)")
def test_quick_benchmark_times_nnzero_with_and_without_numba():
    done = run_bench("--frameworks", "nnzero,nnzero-numba,pytorch", "--cases", "1,2,6")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "| Case | Unit | nnzero | nnzero + numba | PyTorch | GEMM replay | nnzero ÷ PyTorch"\
        " | nnzero ÷ replay |" in out
    assert "numba 0." in out  # its version in the header
    assert ("| Case | nnzero + numba ÷ PyTorch | nnzero + numba ÷ GEMM replay"
            " | nnzero + numba ÷ nnzero |") in out
    assert "The same targets for nnzero with the numba extra:" in out


def test_a_child_refuses_a_kernel_switch_that_does_not_match(monkeypatch):
    import child

    from nnzero import _kernels

    monkeypatch.setattr(_kernels, "ENABLED", True)
    if _kernels.get("sgd") is not None:  # numba installed: kernels on
        with pytest.raises(SystemExit, match="nnzero: nnzero's compiled kernels are on"):
            child.check_kernels("nnzero")
    monkeypatch.setattr(_kernels, "ENABLED", False)
    with pytest.raises(SystemExit, match="nnzero-numba: nnzero's compiled kernels are off"):
        child.check_kernels("nnzero-numba")
    child.check_kernels("nnzero")  # off, as it should be: no error


def test_defaults_and_quick_defaults():
    args = bench.parse_args(["--frameworks", "nnzero"])
    assert (args.rounds, args.repeats, args.steps) == (3, 3, 5000)
    args = bench.parse_args(["--quick", "--frameworks", "nnzero,nnzero", "--cases", "5,1,5"])
    assert (args.rounds, args.repeats, args.steps) == (1, 1, 20)
    assert args.frameworks == ["nnzero"] and args.cases == ["5", "1"]


def test_replay_shapes_come_from_the_model():
    import nnzero as nz

    model = nz.Sequential([nz.layers.Dense(16, activation="relu"), nz.layers.Dropout(0.1),
                           nz.layers.Dense(4, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.zeros((10, 6), np.float32)
    model.fit(x, np.zeros(10, int), epochs=1, batch_size=5, verbose=0)
    assert kernel_shapes(model) == [(6, 16), (16, 4)]


def test_replay_does_an_epochs_products():
    assert batch_sizes(300, 128) == [(128, 2), (44, 1)]
    assert batch_sizes(256, 128) == [(128, 2)]
    assert batch_sizes(5, 1) == [(1, 5)]
    replay = Replay([(6, 16), (16, 4)], 300, 128)
    (count, calls), (rest, tail) = replay.groups
    assert (count, rest) == (2, 1)
    # Forward and kernel gradient for both layers, the input gradient for the second only.
    shapes = [(a.shape, b.shape, out.shape) for _, a, b, out in calls]
    assert shapes == [((128, 6), (6, 16), (128, 16)), ((6, 128), (128, 16), (6, 16)),
                      ((128, 16), (16, 4), (128, 4)), ((16, 128), (128, 4), (16, 4)),
                      ((128, 4), (4, 16), (128, 16))]
    assert [a.shape[0] for _, a, _, _ in tail][:1] == [44]
    assert all(a.dtype == np.float32 for _, a, _, _ in calls)
    forward = Replay([(6, 16), (16, 4)], 10, 1, backward=False)
    assert [(a.shape, b.shape) for _, a, b, _ in forward.groups[0][1]] == [
        ((1, 6), (6, 16)), ((1, 16), (16, 4))]
    replay.run()
    _, a, b, out = calls[1]
    np.testing.assert_allclose(out, a @ b, rtol=1e-5)  # the products really ran


def _result(framework, seconds, memory=None, replay=None):
    result = {"framework": framework, "version": f"{framework} 1", "threads": "2 threads",
              "data": "synthetic", "n_test": 100, "times": {"1": seconds},
              "replay": {"1": replay} if replay else {}, "accuracy": {"1": 0.5}}
    if memory is not None:
        result["memory"] = {"above_baseline_mb": memory, "peak_mb": memory + 100}
    return result


def _header(rounds):
    """render's header, with placeholder text for everything but the rounds."""
    return {"machine": "m", "software": "s", "threads": "2 threads", "data": "d",
            "rounds": rounds, "repeats": 1, "orders": "o", "load": "l", "command": "c"}


def test_ratios_are_medians_over_rounds_with_their_range():
    # nnzero / PyTorch per round: 1/2, 3/4 and 2/5 (from each child's median).
    rounds = [
        {"nnzero": _result("nnzero", [1.0, 1.0, 9.0], 10, [0.5]),
         "pytorch": _result("pytorch", [2.0], 40)},
        {"nnzero": _result("nnzero", [3.0], 10, [1.0]), "pytorch": _result("pytorch", [4.0], 20)},
        {"nnzero": _result("nnzero", [2.0], 10, [1.0]), "pytorch": _result("pytorch", [5.0], 10)},
    ]
    rows = build_rows(rounds, ["1", "6"], 5000, 100)
    case1, above, whole = rows
    assert case1.values == {"nnzero": 2.0, "pytorch": 4.0, "replay": 1.0}
    assert case1.ratios["pytorch"] == (0.5, 0.4, 0.75)
    assert case1.ratios["replay"] == (2.0, 2.0, 3.0)
    assert above.ratios["pytorch"] == (0.5, 0.25, 1.0)
    assert whole.values == {"nnzero": 110, "pytorch": 120}
    header = _header(rounds=3)
    text = render(header, rows, ["nnzero", "pytorch"], None)
    assert "| 0.50 (0.40–0.75) | 2.00 (2.00–3.00) |" in text
    assert "÷ PyTorch 0.50 (≤ 0.67) met; ÷ GEMM replay 2.00 (≤ 1.3) NOT met" in text
    assert "With the numba extra" not in text  # no such child ran


def test_numba_ratios_are_over_the_peers_the_replay_and_nnzero():
    rounds = [
        {"nnzero": _result("nnzero", [2.0], 10, [1.0]),
         "nnzero-numba": _result("nnzero-numba", [1.0], 12),
         "pytorch": _result("pytorch", [4.0], 40)},
    ]
    case1, above, _ = build_rows(rounds, ["1", "6"], 5000, 100)
    assert case1.ratios == {"pytorch": (0.5, 0.5, 0.5), "replay": (2.0, 2.0, 2.0)}
    assert case1.numba_ratios == {"pytorch": (0.25, 0.25, 0.25), "replay": (1.0, 1.0, 1.0),
                                  "nnzero": (0.5, 0.5, 0.5)}
    assert above.numba_ratios["nnzero"] == (1.2, 1.2, 1.2)
    header = _header(rounds=1)
    text = render(header, [case1, above], ["nnzero", "nnzero-numba", "pytorch"], None)
    assert "| 1. MNIST 784-128-64-10 ReLU, Adam, batch 128 | 0.25 | 1.00 | 0.50 |" in text
    assert "÷ PyTorch 0.25 (≤ 0.67) met; ÷ GEMM replay 1.00 (≤ 1.3) met" in text


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux /proc only")
def test_memory_watch_counts_what_comes_after_its_start():
    before = np.ones(40 * 2**20 // 8)  # resident before the start: not counted
    watch = MemoryWatch()
    watch.start()
    after = np.ones(80 * 2**20 // 8)
    reading = watch.stop()
    assert reading["reset"]
    assert 70 < reading["above_baseline_mb"] < 150
    assert reading["peak_mb"] >= reading["baseline_mb"] + 70
    del before, after


def test_tutorial_004_peers_print_one_row_per_epoch():
    done = subprocess.run(
        [sys.executable, str(PEERS), "--epochs", "2", "--synthetic", "500", "--threads", "1"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = "| Epoch | nnzero train / val | PyTorch train / val | scikit-learn train / val |"
    assert header in lines
    rows = [line for line in lines if line.startswith(("| 1 |", "| 2 |"))]
    assert len(rows) == 2
    assert all(row.count("%") == 6 for row in rows)


def test_tutorial_004_peers_refuse_zero_epochs():
    done = subprocess.run([sys.executable, str(PEERS), "--epochs", "0", "--synthetic", "300"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "--epochs must be at least 1; received 0" in done.stderr
