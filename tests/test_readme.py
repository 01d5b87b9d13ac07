"""The README's offline snippets run as written (every ```python block that uses the shipped FakeVertex)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "FakeVertex" in b]


def test_readme_has_offline_snippets() -> None:
    assert BLOCKS, "the README should show at least one snippet that runs offline against FakeVertex"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_snippet_runs(block: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    assert out.getvalue().strip(), "the snippet should print what it got"
