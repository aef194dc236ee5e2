"""What ``nnzero datasets`` lists: every data set, where it is, whether it checks out.

Example
-------
>>> from nnzero.cli.catalog import dataset_rows
>>> [row.name for row in dataset_rows(verify=False)][:3]
['mnist', 'fashion-mnist', 'digits']
"""

from __future__ import annotations

from dataclasses import dataclass

from ..runs.config import REGRESSION_DATASETS, TOY_DATASETS

__all__ = ["DatasetRow", "dataset_rows", "format_rows"]

_REGRESSION_DESCRIPTIONS = {
    "sine": (1, "sin(x) with Gaussian noise"),
    "friedman": (5, "Friedman's first regression function"),
}
_TOY_DESCRIPTIONS = {
    "moons": "two interleaving half circles",
    "circles": "a circle inside a ring",
    "blobs": "Gaussian clusters",
    "xor": "the four XOR quadrants",
    "spirals": "interleaved spiral arms",
    "tutorial_001": "tutorial 001's two well-separated clusters",
}


@dataclass
class DatasetRow:
    """One line of the listing.

    ``ok`` is False only when files were found but failed their check.

    Example
    -------
    >>> from nnzero.cli.catalog import DatasetRow
    >>> DatasetRow("xor", "toy", "generated").ok
    True
    """

    name: str
    kind: str
    where: str
    status: str = ""
    ok: bool = True


def dataset_rows(data_dir=None, verify: bool = True) -> list[DatasetRow]:
    """List the data sets ``nnzero train --dataset`` accepts.

    MNIST and Fashion-MNIST are looked for where the loaders look (never
    downloaded here); with ``verify`` each of their four files is read and
    its SHA-256 checked.

    Example
    -------
    >>> from nnzero.cli.catalog import dataset_rows
    >>> rows = {row.name: row for row in dataset_rows(verify=False)}
    >>> rows["tutorial_001"].kind, rows["sine"].kind
    ('toy, 3 features', 'toy regression, 1 feature')
    """
    from ..datasets import sources
    from ..datasets.mnist import SPECS
    from ..runs.data import find_idx_dataset

    rows = []
    for name, spec in SPECS.items():
        found = find_idx_dataset(name, data_dir)
        kind = "IDX images, 28x28, 10 classes"
        if found is None:
            places = "; ".join(f"{label}: {path}" for label, path in
                               sources.candidate_dirs(name, data_dir))
            rows.append(DatasetRow(name, kind, "not found", f"looked in {places}"))
            continue
        label, directory = found
        status = _verify(spec, directory) if verify else "not verified"
        other = _other_set(name, directory, SPECS) if status.startswith("FAILED") else None
        if other is not None:
            # MNIST and Fashion-MNIST share file names: one set's directory is
            # not the other's damaged copy.
            rows.append(DatasetRow(name, kind, "not found",
                                   f"{directory} ({label}) holds {other}'s files"))
            continue
        rows.append(DatasetRow(name, kind, f"{directory} ({label})", status,
                               ok=not status.startswith("FAILED")))
    rows.append(DatasetRow("digits", "8x8 images, 10 classes", "bundled with scikit-learn",
                           "1,797 images"))
    for name in TOY_DATASETS:
        features = 3 if name == "tutorial_001" else 2
        rows.append(DatasetRow(name, f"toy, {features} features", "generated from --seed",
                               _TOY_DESCRIPTIONS.get(name, "")))
    for name in REGRESSION_DATASETS:
        features, text = _REGRESSION_DESCRIPTIONS[name]
        rows.append(DatasetRow(name, f"toy regression, {features} feature"
                               + ("s" if features > 1 else ""), "generated from --seed",
                               text + " (--loss mse)"))
    return rows


def format_rows(rows) -> str:
    """The rows as an aligned text table.

    Example
    -------
    >>> from nnzero.cli.catalog import DatasetRow, format_rows
    >>> print(format_rows([DatasetRow("xor", "toy", "generated", "ok")]))
    name  kind  where      status
    xor   toy   generated  ok
    """
    table = [("name", "kind", "where", "status")]
    table += [(r.name, r.kind, r.where, r.status) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:3], widths, strict=True)) + "  " + line[3]
        for line in table
    )


def _other_set(name, directory, specs):
    """The name of another set whose files ``directory`` holds, if any."""
    for other, spec in specs.items():
        if other != name and not _verify(spec, directory).startswith("FAILED"):
            return other
    return None


def _verify(spec, directory) -> str:
    from ..datasets import sources
    from ..datasets.idx import read_idx
    from ..datasets.mnist import DEFAULT_NAMES, ROLES
    from ..errors import DataFormatError

    failures = []
    for role in ROLES:
        path = sources.find_file(directory, DEFAULT_NAMES[role])
        try:
            read_idx(path, sha256=spec.sha256[role])
        except (DataFormatError, OSError) as err:
            failures.append(f"{path.name}: {err}")
    if failures:
        return "FAILED: " + "; ".join(failures)
    return "4 files, SHA-256 verified"
