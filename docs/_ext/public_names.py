"""The API reference names our public objects: private paths resolved to public names, internals left out.

Signatures in the API reference spell a type by the module that defines it, which is private: autodoc writes
`vertex_openai._auth.TokenSource` where the reader imports `vertex_openai.TokenSource`. When a reference to a
`vertex_openai…` name with a private part finds no target, this looks the same name up in the public modules
(the pages of the API reference) and links there; a name that is not public anywhere stays a nitpicky error.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def _public_target(target: str, objects: dict[str, Any]) -> str | None:
    parts = target.split(".")
    if parts[0] == "vertex_openai" and any(part.startswith("_") and not part.startswith("__") for part in parts):
        # `vertex_openai.bulk._items.BulkInputError` → `vertex_openai.bulk.BulkInputError`, else `vertex_openai.…`
        public = [part for part in parts[:-1] if not part.startswith("_")]
        for depth in range(len(public), 0, -1):
            candidate = ".".join([*public[:depth], parts[-1]])
            if candidate in objects:
                return candidate
    elif len(parts) == 1:
        # A bare name from an annotation autodoc could not evaluate (imported under TYPE_CHECKING): link it when
        # exactly one public object of ours has that name.
        found = [name for name in objects if name.startswith("vertex_openai.") and name.rsplit(".", 1)[1] == target]
        if len(found) == 1:
            return found[0]
    return None


def _resolve(app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement) -> Any:
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    candidate = _public_target(node.get("reftarget", ""), domain.objects)  # type: ignore[attr-defined]
    if candidate is None:
        return None
    return domain.resolve_xref(env, node.get("refdoc", ""), app.builder, node.get("reftype", "obj"), candidate,
                               node, contnode)


def _skip_private_classes(app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """A class attribute that holds one of our private classes (a fake's request `handler`) is an internal."""
    if what == "class" and isinstance(obj, type) and obj.__name__.startswith("_") and \
            obj.__module__.startswith("vertex_openai"):
        return True
    return None


def _factory_defaults(app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None,
                      return_annotation: str | None) -> tuple[str | None, str | None] | None:
    """A dataclass field with `default_factory` shows as `= <factory>`, which Sphinx cannot parse as a signature
    (it splits the whole signature at commas): show `= ...` (has a default) instead."""
    if signature and "<factory>" in signature:
        return signature.replace("<factory>", "..."), return_annotation
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", _resolve)
    app.connect("autodoc-skip-member", _skip_private_classes)
    app.connect("autodoc-process-signature", _factory_defaults)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
