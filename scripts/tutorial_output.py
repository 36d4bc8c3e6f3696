"""Run the Python blocks of docs/tutorial.md and rewrite the outputs the page shows.

    .venv/bin/python scripts/tutorial_output.py     # about 15 s on one core

The blocks run in order in one namespace from the repository root, as a reader would
paste them. What a block prints goes to docs/tutorial_output.txt, in the section that
the page includes right after it (`--8<-- "docs/tutorial_output.txt:NAME"`), and the
figure the page saves is copied to docs/tutorial_iv.png.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "tutorial.md"
OUTPUT = ROOT / "docs" / "tutorial_output.txt"
FIGURE = (ROOT / "out" / "charged_pore_iv.png", ROOT / "docs" / "tutorial_iv.png")
BLOCK = re.compile(
    r"```python\n(?P<code>.*?)```|--8<-- \"docs/tutorial_output\.txt:(?P<name>\w+)\"", re.S
)


def blocks(page: str) -> list[tuple[str, str | None]]:
    """(code, name of the output section shown after it, or None) for every Python block."""
    found: list[tuple[str, str | None]] = []
    for match in BLOCK.finditer(page):
        if match["code"] is not None:
            found.append((match["code"], None))
        elif found and found[-1][1] is None:
            found[-1] = (found[-1][0], match["name"])
        else:
            raise SystemExit(f"{PAGE}: output section {match['name']!r} follows no code block")
    return found


def main() -> None:
    os.chdir(ROOT)
    namespace: dict = {"__name__": "__main__"}
    sections = []
    for code, name in blocks(PAGE.read_text(encoding="utf-8")):
        printed = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(PAGE), "exec"), namespace)
        print(f"block {name or '(no output shown)'}: {time.perf_counter() - start:.1f} s")
        if name is not None:
            sections += [f"# --8<-- [start:{name}]", printed.getvalue().rstrip("\n")]
            sections += [f"# --8<-- [end:{name}]"]
    OUTPUT.write_text("\n".join(sections) + "\n", encoding="utf-8")
    shutil.copyfile(*FIGURE)
    print(f"wrote {OUTPUT.relative_to(ROOT)} and {FIGURE[1].relative_to(ROOT)}")


if __name__ == "__main__":
    main()
