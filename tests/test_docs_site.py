"""The way from the installed package to the docs, and the docs site's own set-up, checked from the sources.

Building the site takes a while and needs the `docs` extra, so these tests read what the build reads
(pyproject.toml, docs/conf.py, the pages, the docstrings) instead of building it; `make docs` builds it strictly.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_public_api import PUBLIC_MODULES
from test_repo_references import _slug

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _page(name: str) -> str:
    return (DOCS / f"{name}.md").read_text(encoding="utf-8")


def _anchors(name: str) -> set[str]:
    """The heading anchors of docs/<name>.md, in the GitHub style the build uses (`myst_heading_anchors`)."""
    in_fence = False
    found = set()
    for line in _page(name).splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and re.match(r"#{1,4} ", line):
            found.add(_slug(line.lstrip("#")))
    return found


def _toctree_entries() -> list[str]:
    entries = []
    for block in re.findall(r"```\{toctree\}\n(.*?)```", _page("index"), re.S):
        entries += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":")]
    return entries


# --- [project.urls]: the way from `pip show` / PyPI to the docs ---------------------------------------------------

def test_the_package_metadata_links_docs_source_and_issues() -> None:
    urls = PYPROJECT["project"].get("urls", {})
    assert {"Documentation", "Source", "Issues"} <= set(urls), urls
    for label, url in urls.items():
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc, f"{label}: {url}"
        # Placeholders the maintainers replace: a reserved name (RFC 2606) that can never be someone else's host.
        assert parts.netloc.endswith(".invalid"), f"{label}: {url} is a host this project does not own"


# --- theme ----------------------------------------------------------------------------------------------------------

def _conf() -> dict[str, object]:
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


def test_the_site_uses_a_maintained_theme_with_a_copy_button() -> None:
    conf = _conf()
    extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["docs"])
    assert conf["html_theme"] == "furo" and "furo" in extra
    assert "sphinx_copybutton" in conf["extensions"] and "sphinx-copybutton" in extra  # type: ignore[operator]


def test_code_blocks_are_wide_enough_for_the_repos_lines() -> None:
    """The text column holds a 120-character code line (ruff's line length) on a desktop-width window."""
    css = (DOCS / "_static" / "custom.css").read_text(encoding="utf-8")
    assert "custom.css" in _conf()["html_css_files"]  # type: ignore[operator]
    width = re.search(r"--content-width:\s*([\d.]+)em", css)
    code = re.search(r"--code-font-size:\s*([\d.]+)%", css)
    # the width counts the column's padding (border-box), as the sum below does
    padding = re.search(r"\.content \{[^}]*box-sizing: border-box;[^}]*width: var\(--content-width\);", css)
    assert width and code and padding, css
    # A monospace glyph is about 0.6em wide; code is set at --code-font-size of the body size; the code block has
    # 0.875rem of padding a side and the column (Furo's .content) 3em.
    needed = 120 * 0.6 * float(code.group(1)) / 100 + 2 * 0.875 + 2 * 3
    assert float(width.group(1)) >= needed, f"content width {width.group(1)}em < {needed:.1f}em for 120 columns"


# --- pages: install, README, API reference ----------------------------------------------------------------------

def test_there_is_an_install_page_in_the_table_of_contents() -> None:
    assert "install" in _toctree_entries()
    text = _page("install")
    assert "pip install vertex-openai" in text and "vertex-openai doctor" in text
    assert "```python" in text, "the quick start has a snippet (run by test_docs_snippets.py)"


def test_the_index_links_the_readme_and_the_readme_is_part_of_the_site() -> None:
    index = _page("index")
    assert re.search(r"\[[^\]]*README[^\]]*\]\(overview\.md\)", index), "the index links the README's page"
    assert "overview" in _toctree_entries()
    assert re.search(r"```\{include\} \.\./README\.md", _page("overview"))


def test_there_is_an_api_reference_for_every_public_module() -> None:
    assert "api" in _toctree_entries()
    block = re.search(r"\.\. autosummary::\n(?P<options>(?:   :.*\n)+)\n(?P<names>(?:   \S+\n)+)", _page("api"))
    assert block, "api.md holds one autosummary list of the public modules"
    assert ":toctree: api" in block["options"] and ":template: public-module.rst" in block["options"]
    assert sorted(block["names"].split()) == sorted(PUBLIC_MODULES)
    template = (DOCS / "_templates" / "public-module.rst").read_text(encoding="utf-8")
    assert ".. automodule:: {{ fullname }}\n   :members:" in template
    conf = _conf()
    assert {"sphinx.ext.autodoc", "sphinx.ext.autosummary"} <= set(conf["extensions"])  # type: ignore[call-overload]
    # `members` without `ignore-module-all`: autodoc documents exactly each module's `__all__`; so do the tables.
    options = conf["autodoc_default_options"]
    assert isinstance(options, dict) and "ignore-module-all" not in options
    assert conf["autosummary_ignore_module_all"] is False


@pytest.mark.parametrize("module", ["vertex_openai.testing", "vertex_openai.responses"])
def test_lazily_loaded_public_names_are_listed_by_dir(module: str) -> None:
    """autodoc finds a module's members with dir(): names a module loads on first use must be listed too."""
    imported = importlib.import_module(module)
    assert set(imported.__all__) <= set(dir(imported))


# --- docstrings point to pages of the built site -----------------------------------------------------------------

SOURCE_REF = re.compile(r"(?<![\w./-])docs/([a-z0-9-]+(?:/[a-z0-9-]+)*)\.md(?:#([\w-]+))?")
SITE_REF = re.compile(r"(?<![\w./:-])([a-z0-9-]+(?:/[a-z0-9-]+)*)\.html(?:#([\w-]+))?")


def _src_references() -> list[tuple[str, str, str | None]]:
    found = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        text = re.sub(r"https?://\S+", "", path.read_text(encoding="utf-8"))
        for pattern in (SOURCE_REF, SITE_REF):
            for match in pattern.finditer(text):
                found.append((f"{path.relative_to(ROOT)}: {match.group(0)}", match.group(1), match.group(2)))
    return found


def test_every_docs_reference_in_the_source_names_a_page_and_anchor_that_exist() -> None:
    refs = _src_references()
    assert len(refs) >= 10, refs
    for where, page, anchor in refs:
        assert (DOCS / f"{page}.md").is_file(), f"{where}: no page {page} on the docs site"
        if anchor:
            assert anchor in _anchors(page), f"{where}: no heading #{anchor} on {page}"


def _public_docstrings() -> list[tuple[str, str]]:
    found = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        found.append((name, module.__doc__ or ""))
        for public in module.__all__:
            value = getattr(module, public)
            if inspect.isclass(value) or inspect.isroutine(value):
                found.append((f"{name}.{public}", inspect.getdoc(value) or ""))
                for attr, member in vars(value).items() if inspect.isclass(value) else ():
                    doc = getattr(member, "__doc__", None) if not attr.startswith("_") or attr == "__init__" else None
                    if isinstance(doc, str):
                        found.append((f"{name}.{public}.{attr}", doc))
    return found


def test_what_help_shows_names_site_pages_not_repository_paths() -> None:
    """An installed package has no docs/ folder: docstrings name the page of the site (`configuration.html`)."""
    stale = [f"{where}: {match.group(0)}" for where, doc in _public_docstrings() for match in SOURCE_REF.finditer(doc)]
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize(("module", "attr"), [("vertex_openai", "OpenAI"), ("vertex_openai", "vertex_openai_client"),
                                           ("vertex_openai.bulk", None), ("vertex_openai.responses", None)])
def test_the_docstrings_that_point_to_the_docs_still_do(module: str, attr: str | None) -> None:
    obj = importlib.import_module(module)
    doc = inspect.getdoc(getattr(obj, attr) if attr else obj) or ""
    assert SITE_REF.search(doc), f"{module}.{attr}: {doc[:200]}"
