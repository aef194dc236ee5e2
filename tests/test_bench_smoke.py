"""The benchmark script runs end to end (``--quick`` on tiny synthetic data).

Only that it runs and prints its table is checked; its timings are never
asserted (they depend on the machine and its load).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
PEERS = BENCH.parent / "tutorial_004_peers.py"


def test_quick_benchmark_prints_the_table(tmp_path):
    # One thread: the run proves the code paths, and a second thread only
    # waits for a core on a busy machine.
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--synthetic", "200", "--size", "2M",
         "--threads", "1", "--tmpdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "| Case | Unit | nnzero | PyTorch | scikit-learn |" in out
    for row in ("| 1. MNIST 784-128-64-10", "| 2. 784-128-64-10 sigmoid", "| 3. 784-128-32-10",
                "| 4. 784-1000-10", "| 5. Inference", "| 6. Peak memory"):
        assert row in out
    assert "| numpy.memmap |" in out and "| in memory |" in out
    assert "Targets (issue 6):" in out
    assert list(tmp_path.iterdir()) == []  # the memory-mapped file is removed


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
