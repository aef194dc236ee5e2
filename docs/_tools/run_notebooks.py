"""Execute the tutorial notebooks, as ``make notebooks`` and ``make docs`` do.

Each notebook runs top to bottom in a fresh kernel with nbclient, in its own
folder; the executed copy (outputs included) goes to ``build/notebooks/``,
where the documentation site picks it up. The notebooks in ``docs/tutorials``
stay without outputs. A cell that raises fails the run: every notebook is
still tried, the failures are listed, and the exit status is 1. Each
notebook's wall-clock time and its kernel's CPU time are printed.

    python docs/_tools/run_notebooks.py                      # all of docs/tutorials
    python docs/_tools/run_notebooks.py docs/tutorials/tutorial_002.ipynb
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[2]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path: Path, out_dir: Path, timeout: int) -> tuple[float, float, str | None]:
    """Run one notebook; return (wall seconds, the kernel's CPU seconds, error
    message or None). The CPU time, summed over the kernel's threads, depends
    much less than the wall clock on other jobs sharing the machine."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start, cpu = time.perf_counter(), _children_cpu()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        error = str(exc)
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    # The kernel has exited and been waited for once execute() returns, so its
    # CPU time is counted among this process's finished children.
    return seconds, _children_cpu() - cpu, error


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: docs/tutorials/*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "notebooks",
                        help="folder for the executed copies (default build/notebooks)")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds a single cell may run (default 600)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "docs" / "tutorials").glob("*.ipynb"))
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = []
    total = 0.0
    for path in notebooks:
        seconds, cpu, error = execute(path.resolve(), args.out, args.timeout)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s (kernel CPU {cpu:.1f} s)"
              + ("  FAILED" if error else ""), flush=True)
        if error:
            failed.append((path.name, error))
    print(f"{len(notebooks)} notebook(s) in {total:.1f} s")
    for name, error in failed:
        print(f"\n{name} failed:\n{error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
