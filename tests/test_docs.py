"""The documentation's own checks that need no build: the notebooks are
committed clean and valid, every tutorial has one, and the site's build hook
covers every public module and example config. `make docs` executes the
notebooks and builds the site in strict mode (CI runs it)."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat", reason="the docs extra is not installed")


def _hook():
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    spec = importlib.util.spec_from_file_location("site_hook", ROOT / "docs/_hooks/site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_notebook_per_tutorial():
    assert [p.name for p in NOTEBOOKS] == [f"tutorial_00{i}.ipynb" for i in range(5)]
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"tutorials/{path.name}" in nav, f"{path.name} is not in the site's navigation"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: a code cell has outputs (strip them)"
            assert cell.execution_count is None, f"{path.name}: an execution count is committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_parses(path):
    # IPython magics (%matplotlib inline) are not Python; the rest must be.
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            code = "\n".join(line for line in cell.source.splitlines()
                             if not line.lstrip().startswith("%"))
            ast.parse(code, filename=f"{path.name} cell {i}")


def test_every_public_module_gets_an_api_page():
    hook = _hook()
    modules = dict(hook.public_modules())
    assert "nnzero.sklearn" in modules and "nnzero.layers" in modules
    assert not [m for m in modules if any(part.startswith("_") for part in m.split("."))]
    nav = hook._api_nav(list(modules.items()))
    listed = re.findall(r"reference/api/(nnzero[\w.]*)\.md", repr(nav))
    assert sorted(listed) == sorted(modules)
    for name, is_package in modules.items():
        page = hook._module_page(name, is_package)
        assert f"::: {name}\n" in page


def test_results_links_to_example_configs_lead_to_pages():
    hook = _hook()
    results = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    linked = set(hook.EXAMPLE_LINK.findall(results))
    assert linked, "docs/results.md links no example config"
    configs = {p.stem for p in hook._example_configs()}
    assert linked <= configs

    class Page:
        class file:  # noqa: N801 - stands in for mkdocs' File
            src_uri = "results.md"

    rewritten = hook.on_page_markdown("[a](../examples/tutorial_000.toml)", Page, {}, None)
    assert rewritten == "[a](examples/tutorial_000.md)"


def test_site_renders_the_executed_copies_as_notebooks():
    # The hook points each tutorial page at build/notebooks/NAME.ipynb; the
    # notebook plugin must still claim it by its path, or the page shows the
    # raw JSON.
    yaml = pytest.importorskip("yaml")
    from pathlib import PurePath

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = {k: v for p in config["plugins"] if isinstance(p, dict) for k, v in p.items()}
    patterns = plugins["mkdocs-jupyter"]["include"]
    hook = _hook()
    for path in NOTEBOOKS:
        for candidate in (path, hook.EXECUTED / path.name):
            assert any(PurePath(candidate).match(p) for p in patterns), candidate
