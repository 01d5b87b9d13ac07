"""List every external link of the docs site without fetching it.

The build is offline: instead of `sphinx-build -b linkcheck` (which fetches), this writes
`<outdir>/../external-links.txt`, one `URL<TAB>page` line per link, and prints how many there are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

_FOUND: set[tuple[str, str]] = set()


def _collect(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if uri.startswith(("http://", "https://")):
            _FOUND.add((uri, docname))


def _write(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None:
        return
    target = Path(app.outdir).parent / "external-links.txt"
    lines = [f"{uri}\t{doc}" for uri, doc in sorted(_FOUND)]
    target.write_text("\n".join(lines) + ("\n" if lines else ""))
    print(f"external links (listed, not fetched): {len({uri for uri, _ in _FOUND})} in {target}")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", _collect)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
