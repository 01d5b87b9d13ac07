"""Sphinx configuration for the vertex-openai docs site (`make docs`).

Sphinx + MyST-Parser: both maintained, and Sphinx's strict build (`-W -n`) fails on a link to a missing page or
heading anchor, which is the check the docs need. docs/README.md says why this tool over the alternatives.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "vertex-openai"
author = "vertex-openai developers"
copyright = "vertex-openai developers, Apache-2.0"

extensions = ["myst_parser", "external_links"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext"]

# GitHub-style anchors for headings down to level 4, so `page.md#heading` links work on a code host and here.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]
nitpicky = True

html_theme = "alabaster"
html_title = "vertex-openai"
