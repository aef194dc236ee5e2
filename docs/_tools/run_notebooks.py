"""Execute the tutorial notebooks, as ``make notebooks`` and ``make docs`` do.

Each notebook runs top to bottom in a fresh kernel with nbclient, in its own
folder; the executed copy (outputs included) goes to ``build/notebooks/``,
where the documentation site picks it up. The notebooks in ``docs/tutorials``
stay without outputs. A cell that raises fails the run: every notebook is
still tried, the failures are listed, and the exit status is 1. Each
notebook's wall-clock time is printed.

    python docs/_tools/run_notebooks.py                      # all of docs/tutorials
    python docs/_tools/run_notebooks.py docs/tutorials/tutorial_002.ipynb
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[2]


def execute(path: Path, out_dir: Path, timeout: int) -> tuple[float, str | None]:
    """Run one notebook; return (seconds, error message or None)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        error = str(exc)
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    return seconds, error


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
        seconds, error = execute(path.resolve(), args.out, args.timeout)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s" + ("  FAILED" if error else ""), flush=True)
        if error:
            failed.append((path.name, error))
    print(f"{len(notebooks)} notebook(s) in {total:.1f} s")
    for name, error in failed:
        print(f"\n{name} failed:\n{error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
