"""MkDocs hooks: the examples as pages, and the README's links as seen from docs/.

- Every `examples/NN_name.py` (jupytext percent format) becomes the page
  `examples/NN_name.md`: `# %% [markdown]` cells turn into text, code cells into
  Python blocks (a cell title, `# %% Title`, into the sentence before its block).
  The scripts are not run here; tests/test_examples.py runs them.
- A line `--8<-- "README.md:NAME"` includes the README's section NAME (between
  `<!-- --8<-- [start:NAME] -->` and `[end:NAME]`), its links to `docs/X` made
  relative to the page. Other snippets are left to pymdownx.snippets.
- Sphinx roles in docstrings (":func:`name`") show as the plain code name.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
README = ROOT / "README.md"
INCLUDE = re.compile(r'^--8<-- "README\.md:(?P<name>[a-z][-_a-z0-9]*)"[ \t]*$', re.MULTILINE)
SPHINX_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):(?=<code>)")
CELL = re.compile(r"^# %%(?P<markdown> \[markdown\])?[ \t]*(?P<title>.*)$")


def percent_to_markdown(source: str, name: str) -> str:
    """A jupytext percent script as a Markdown page (text cells as text, code as blocks)."""
    cells: list[tuple[bool, str, list[str]]] = []
    for line in source.splitlines():
        match = CELL.match(line)
        if match:
            cells.append((bool(match["markdown"]), match["title"].strip(), []))
        elif cells:
            cells[-1][2].append(line)
        elif line.strip():
            cells.append((False, "", [line]))
    parts = []
    for is_text, title, lines in cells:
        if is_text:
            parts.append("\n".join(re.sub(r"^# ?", "", line) for line in lines).strip())
            continue
        code = "\n".join(lines).strip("\n")
        if title:
            parts.append(title if title.endswith((".", ":")) else title + ":")
        if code.strip():
            parts.append(f"```python\n{code}\n```")
    parts.append(
        f"Source: `examples/{name}` (run it with `.venv/bin/python examples/{name}`; "
        "`PNP_EXAMPLES_FAST=1` for coarse meshes)."
    )
    return "\n\n".join(parts) + "\n"


def on_files(files: Files, config) -> Files:
    for script in sorted(EXAMPLES.glob("[0-9][0-9]_*.py")):
        page = percent_to_markdown(script.read_text(encoding="utf-8"), script.name)
        files.append(File.generated(config, f"examples/{script.stem}.md", content=page))
    return files


def readme_section(name: str, depth: int) -> str:
    """The README's section `name`, with links into docs/ seen from `depth` folders down."""
    text = README.read_text(encoding="utf-8")
    start = re.search(rf"^<!-- --8<-- \[start:{name}\] -->$", text, re.MULTILINE)
    end = re.search(rf"^<!-- --8<-- \[end:{name}\] -->$", text, re.MULTILINE)
    if start is None or end is None or end.start() < start.end():
        raise ValueError(f"README.md has no section {name!r} (start and end markers)")
    body = text[start.end() : end.start()]
    body = re.sub(r"^<!-- --8<-- .*-->$\n?", "", body, flags=re.MULTILINE)
    return re.sub(r"\]\(docs/([^)]+)\)", lambda m: f"]({'../' * depth}{m[1]})", body)


def on_page_markdown(markdown: str, page, config, files) -> str:
    depth = page.file.src_uri.count("/")
    return INCLUDE.sub(lambda m: readme_section(m["name"], depth), markdown)


def on_page_content(html: str, page, config, files) -> str:
    return SPHINX_ROLE.sub("", html)
