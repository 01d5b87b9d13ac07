"""Sphinx configuration for the vertex-openai docs site (`make docs`).

Sphinx + MyST-Parser: both maintained, and Sphinx's strict build (`-W -n`) fails on a link to a missing page or
heading anchor, which is the check the docs need. docs/README.md says why this tool and this theme over the
alternatives.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "vertex-openai"
author = "vertex-openai developers"
copyright = "vertex-openai developers, Apache-2.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_copybutton",
    "external_links",
    "public_names",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "_templates"]
templates_path = ["_templates"]

# GitHub-style anchors for headings down to level 4, so `page.md#heading` links work on a code host and here.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]
nitpicky = True
# Docstrings write code as `name` (one backtick, as in Markdown): render it as code, not as a title in italics.
default_role = "literal"

# The API reference (api.md): one page per public module, generated from the docstrings. `members` without
# `ignore-module-all` documents exactly each module's `__all__`; the summary tables list the same names.
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
python_use_unqualified_type_names = True
# The build is offline, so the other projects' inventories (intersphinx) are not fetched: a reference to a name of
# the standard library or of a dependency stays plain text. Every reference to a name of ours must resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(openai|httpx|httpx2|pydantic|pydantic_core|google|vcr|pytest|_pytest|tqdm|typing_extensions)(\..*)?"),
    (r"py:.*", r"(collections|concurrent|asyncio|os|pathlib|datetime|enum|types|typing|io|re|json|threading|http|"
               r"logging|contextlib|dataclasses|argparse|socketserver|email|decimal|abc)(\..*)?"),
    # Annotations autodoc cannot evaluate (imported under TYPE_CHECKING, or the SDK's own signatures that
    # `client.responses` mirrors) keep a bare name: `Omit`, `response_create_params.ToolChoice`, google-auth's
    # `Credentials`, our private aliases that configuration.md spells out. A bare name of one of our public objects
    # is linked by _ext/public_names.py before this applies; a `vertex_openai.…` name must always resolve.
    (r"py:class", r"(?!vertex_openai\b)\w+(\.\w+)?"),
    # Private types in public signatures, not meant to be built by users: what a Responses resource is made of,
    # the multimodal builders' client type variable, the fakes' token registry (pass a FakeVertex) and batch jobs.
    (r"py:class", r"vertex_openai\.responses\._(params\.ChatPlan|events\.StreamTranslator|bridge\.Bridge"
                  r"|resource\.(Async)?InputItems|store\.StoredResponse)"),
    (r"py:class", r"vertex_openai\.gemini\._multimodal\.ClientT"),
    (r"py:class", r"vertex_openai\.testing\._fake_credentials\.TokenRegistry"),
    (r"py:class", r"vertex_openai\.testing\._fake_batch\._Job"),
]

html_theme = "furo"
html_title = "vertex-openai"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# Furo follows the reader's light/dark setting and has a toggle; both palettes keep its defaults.
html_theme_options = {"navigation_with_keys": True}
pygments_style = "friendly"
pygments_dark_style = "monokai"

# The copy button copies the command or code, not a `$ ` / `>>> ` prompt or the output lines after it.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False
