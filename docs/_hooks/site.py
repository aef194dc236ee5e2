"""Build-time hooks of the documentation site (``mkdocs.yml`` names this file).

- The API reference: one page per public module of nnzero (no part of its
  dotted name starts with ``_``), generated from the package itself, so a
  module that is added, moved or renamed gets its page without an edit here;
  the pages fill the "API reference" section of the navigation.
- The example configs: ``docs/results.md`` (written by
  ``examples/reproduce.py``) links each config as ``../examples/NAME.toml``,
  outside the site; each becomes a page showing the file, and the links point
  there.
- The tutorials: ``make docs`` executes the notebooks into
  ``build/notebooks/`` first (``docs/_tools/run_notebooks.py``); the site
  renders those executed copies. Without them the build warns, which fails a
  strict build.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.nnzero")

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = Path(os.environ.get("NNZERO_EXECUTED_NOTEBOOKS", ROOT / "build" / "notebooks"))
API_SECTION = "API reference"
API_DIR = "reference/api"
EXAMPLE_LINK = re.compile(r"\]\(\.\./examples/([A-Za-z0-9_]+)\.toml\)")


def public_modules() -> list[tuple[str, bool]]:
    """Every public module of nnzero as ``(dotted name, is a package)``, sorted."""
    import nnzero

    found = [("nnzero", True)]
    for info in pkgutil.walk_packages(nnzero.__path__, prefix="nnzero."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        found.append((info.name, info.ispkg))
    return sorted(found)


def _api_page(name: str) -> str:
    return f"{API_DIR}/{name}.md"


def _api_nav(modules) -> list:
    # nnzero first, then each top-level module; a package's page is followed
    # by its submodules' pages in a section of their own.
    nav: list = [f"{API_DIR}/index.md", {"nnzero": _api_page("nnzero")}]
    tops = [m for m, _ in modules if m.count(".") == 1]
    for top in tops:
        subs = [m for m, _ in modules if m.startswith(top + ".")]
        if subs:
            nav.append({top: [_api_page(top)] + [{m: _api_page(m)} for m in subs]})
        else:
            nav.append({top: _api_page(top)})
    return nav


def _example_configs() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.toml"))


def on_config(config):
    modules = public_modules()
    for entry in config["nav"] or []:
        if isinstance(entry, dict) and "Reference" in entry:
            for i, item in enumerate(entry["Reference"]):
                if isinstance(item, dict) and API_SECTION in item:
                    entry["Reference"][i] = {API_SECTION: _api_nav(modules)}
        if isinstance(entry, dict) and "Results" in entry:
            entry["Results"].append({"Example configs": ["examples/index.md"] + [
                {path.stem: f"examples/{path.stem}.md"} for path in _example_configs()]})
    return config


def _load(name: str):
    """The module, or None when an optional dependency of it is missing (its
    page is then rendered from the source alone, which mkdocstrings reads
    without importing)."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        log.info("%s not imported (%s); its page comes from the source alone", name, err)
        return None


def _module_page(name: str, is_package: bool) -> str:
    module = _load(name)
    lines = [f"# `{name}`", "", f"::: {name}", "    options:", "      show_root_heading: false"]
    if is_package:
        # A package page shows its docstring and what it defines itself; the
        # names it re-exports are documented on their own module's page.
        exported = [n for n in getattr(module, "__all__", None) or []
                    if getattr(getattr(module, n, None), "__module__", None) == name]
        lines.append(f"      members: {exported!r}" if exported else "      members: false")
        children = [m for m, _ in public_modules() if m.rsplit(".", 1)[0] == name]
        if children:
            lines += ["", "## Modules", ""]
            lines += [f"- [`{m}`]({m}.md)" for m in children]
    return "\n".join(lines) + "\n"


def _index_page(modules) -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings of every public module of nnzero (numpydoc",
        "style). The names most code needs are importable from the top-level",
        "package, e.g. `nnzero.Sequential`, `nnzero.layers.Dense`,",
        "`nnzero.optimizers.Adam`; each page below is where a name is defined.",
        "",
    ]
    for name, _ in modules:
        first = (getattr(_load(name), "__doc__", None) or "").strip().splitlines()
        summary = first[0] if first else ""
        lines.append(f"- [`{name}`]({name}.md): {summary}")
    return "\n".join(lines) + "\n"


def _example_page(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return (f"# `examples/{path.name}`\n\n"
            f"Trains with `nnzero train --config examples/{path.name} --out runs/{path.stem}`.\n\n"
            f"```toml\n{text}```\n")


@event_priority(-100)  # after mkdocs-jupyter has claimed the notebooks
def on_files(files, config):
    modules = public_modules()
    files.append(File.generated(config, f"{API_DIR}/index.md", content=_index_page(modules)))
    for name, is_package in modules:
        page = _module_page(name, is_package)
        files.append(File.generated(config, _api_page(name), content=page))
    for path in _example_configs():
        page = _example_page(path)
        files.append(File.generated(config, f"examples/{path.stem}.md", content=page))
    for file in files:
        if file.src_uri.startswith("tutorials/") and file.src_uri.endswith(".ipynb"):
            executed = EXECUTED / Path(file.src_uri).name
            if executed.exists():
                file.abs_src_path = str(executed)
            else:
                log.warning("%s has not been executed (no %s): run `make docs`, which "
                            "executes the notebooks first", file.src_uri, executed)
    return files


def on_page_markdown(markdown, page, config, files):
    # docs/results.md is generated with links into the repository's examples/
    # folder; in the site they lead to the config's own page.
    depth = page.file.src_uri.count("/")
    return EXAMPLE_LINK.sub(lambda m: f"]({'../' * depth}examples/{m.group(1)}.md)", markdown)
