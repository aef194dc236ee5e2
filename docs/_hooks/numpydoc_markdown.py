"""A Griffe extension (``mkdocs.yml`` loads it) that lets reStructuredText-
flavoured numpydoc docstrings render as Markdown in the API reference.

The docstrings are written for ``help()``, doctest and numpydoc; this only
changes how the site reads them, never the source:

- a section titled ``Example`` is read as numpydoc's ``Examples``;
- Sphinx roles (``:class:`~nnzero.Sequential```) become inline code;
- a literal block introduced by ``::`` becomes a fenced code block.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|ref|const):`~?([^`]+)`")
SINGULAR = re.compile(r"^(\s*)Example\n(\s*)-------\n", re.MULTILINE)


def _literal_blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::") and not line.lstrip().startswith(">>>"):
            head = line.rstrip()[:-2].rstrip()
            if head:
                out.append(head + ":")
            indent = len(line) - len(line.lstrip())
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip()
                                      or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            while block and not block[0].strip():
                block.pop(0)
            if block:
                cut = min(len(b) - len(b.lstrip()) for b in block if b.strip())
                pad = " " * indent
                out += ["", pad + "```text"]
                out += [pad + b[cut:] if b.strip() else "" for b in block]
                out += [pad + "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def markdown_docstring(text: str) -> str:
    """The docstring ``text`` as the site renders it."""
    text = SINGULAR.sub(r"\1Examples\n\2--------\n", text)
    text = ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return _literal_blocks(text)


class NumpydocMarkdown(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
