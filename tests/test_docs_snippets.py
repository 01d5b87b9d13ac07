"""Every Python snippet in README.md and docs/*.md runs, against the loopback fake, as a reader would paste it.

The harness puts the process in fake mode (`VERTEX_OPENAI_FAKE_BASE_URL` / `VERTEX_OPENAI_FAKE_TOKEN`, see
docs/testing.md), so every client a snippet builds without `base_url=` talks to a `FakeVertex`, whatever project
or location it names. A page's snippets run in order in one namespace, which starts with `client` (a client in
fake mode), `async_client`, `msgs` (a one-message conversation) and `MODEL` (`"gemini-2.5-flash"`), so a fragment
may use them as if an earlier snippet had defined them. A fragment that cannot run on its own (it imports your
application, needs a file or another package) carries `<!-- snippet: skip (why) -->` on the line before its
fence; it is reported as a skipped test, so the summary line says how many were skipped.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from vertex_openai._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
from vertex_openai.testing import FakeVertex

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = re.compile(r"^<!-- snippet: skip\b(?P<why>.*?)-->\s*$")
FENCE = re.compile(r"^```python\s*$")
TOKEN = "docs-snippet-fake-token"


@dataclass(frozen=True)
class Snippet:
    page: Path
    line: int
    code: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def snippets(page: Path) -> list[Snippet]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    number = 0
    while number < len(lines):
        if FENCE.match(lines[number]):
            end = next(i for i in range(number + 1, len(lines)) if lines[i].startswith("```"))
            marker = SKIP.match(lines[number - 1]) if number else None
            why = (marker.group("why").strip(" ()") or "marked") if marker else None
            found.append(Snippet(page, number + 1, "\n".join(lines[number + 1:end]) + "\n", why))
            number = end
        number += 1
    return found


ALL = [snippet for page in PAGES for snippet in snippets(page)]
_namespaces: dict[Path, dict[str, object]] = {}
_modules: list[str] = []
_ran: dict[Path, set[int]] = {}  # the lines of the snippets each page's namespace has run


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeVertex]:
    with FakeVertex() as server:
        server.accept_token(TOKEN)
        yield server
    for name in _modules:  # the pages' modules, registered so that pydantic can resolve forward references
        sys.modules.pop(name, None)
    _namespaces.clear()
    _ran.clear()


@pytest.fixture
def fake_mode(fake: FakeVertex, monkeypatch: pytest.MonkeyPatch) -> FakeVertex:
    monkeypatch.setenv(FAKE_BASE_URL_ENV, fake.base_url)
    monkeypatch.setenv(FAKE_TOKEN_ENV, TOKEN)
    return fake


def _namespace(page: Path) -> dict[str, object]:
    if page not in _namespaces:
        from vertex_openai import async_vertex_openai_client, vertex_openai_client

        module = types.ModuleType(f"docs_snippets_{page.stem.replace('-', '_')}")
        sys.modules[module.__name__] = module
        _modules.append(module.__name__)
        module.__dict__.update(
            client=vertex_openai_client(),
            async_client=async_vertex_openai_client(),
            msgs=[{"role": "user", "content": "Why is the sky blue?"}],
            MODEL="gemini-2.5-flash",
        )
        _namespaces[page] = module.__dict__
    return _namespaces[page]


def test_there_are_snippets_and_most_run() -> None:
    ran = [s for s in ALL if s.skip is None]
    assert len(ran) >= 15, [s.id for s in ALL]
    assert len(ran) > 2 * (len(ALL) - len(ran)), "skip only the fragments that cannot run"


@pytest.mark.parametrize("snippet", ALL, ids=[s.id for s in ALL])
def test_snippet_runs_against_the_fake(snippet: Snippet, fake_mode: FakeVertex) -> None:
    if snippet.skip is not None:
        pytest.skip(f"{snippet.id} <!-- snippet: skip --> {snippet.skip}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="vertex-openai fake mode")
        namespace = _namespace(snippet.page)
    ran = _ran.setdefault(snippet.page, set())
    # Under pytest-xdist a page's snippets may land on several workers: a worker first runs, in order, the
    # page's earlier snippets it has not run, so each snippet sees what a reader who pasted the page in order has.
    earlier = [s for s in snippets(snippet.page) if s.line < snippet.line and s.skip is None and s.line not in ran]
    for before in [*earlier, snippet]:
        out = io.StringIO()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="vertex-openai fake mode")
            with contextlib.redirect_stdout(out):
                code = compile(before.code, before.id, "exec")
                exec(code, namespace)
        ran.add(before.line)


def test_the_script_example_in_the_docs_is_the_file() -> None:
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S)
    assert block is not None
    assert block.group(1) == (ROOT / "examples" / "fake_script.json").read_text(encoding="utf-8")
