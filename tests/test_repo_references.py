"""No file in the repository points outside it: no design file that only the authors had, no issue number a reader
cannot look up. Facts live in docs/ with their public sources; README and docs links resolve.

Checked over every file git tracks (docs, docstrings, comments, tests, cassette notes); public URLs (e.g. a GitHub
issue's address) are fine, because a reader can open them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The notes the project was planned from are not in the repository; neither is the tracker's numbering.
# Their names are assembled from pieces, so that no file of the repository (this one included) spells them out.
_OUTSIDE_NAMES = "|".join([*(f"{first}_{second}" for first, second in [("VERTEX", "FACTS"), ("SCHEMA", "RULES"),
                                                                       ("SDK", "SEAMS")]), "ANCH" r"ORS\.md"])
OUTSIDE = re.compile(
    r"\.\./" "shared" rf"|(?-i:{_OUTSIDE_NAMES})|design" r" notes"
    r"|\bissues?\s+#?\d+\b|(?<![\w/&#=?-])#\d{1,5}\b(?![\w-])",
    re.IGNORECASE,
)


def _tracked() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def test_no_file_refers_to_files_outside_the_repo_or_to_issue_numbers() -> None:
    found = []
    for path in _tracked():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            # a colour like #ffffff or an anchor like (#heading) is not an issue number; URLs are fine
            scrubbed = re.sub(r"https?://\S+", "", line)
            for match in OUTSIDE.finditer(scrubbed):
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r} in {line.strip()[:100]}")
    assert not found, "\n".join(found)


# Assembled from pieces so that this file does not itself hold the references it forbids.
@pytest.mark.parametrize("line", ["see SCHEMA_" "RULES.md §7", "(iss" "ue 4)", "fixed in #" "13.",
                                  "../" "shared/design", "iss" "ues 12 and 13", "the project's design" " notes",
                                  "VERTEX" "_FACTS", "ANCH" "ORS.md"])
def test_the_check_catches_each_kind(line: str) -> None:
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", ["colour #fff", "[link](#errors)", "step #1a", "R0.6", "PR url /pull/38255",
                                  "HTTP 404", "x=#1"])
def test_the_check_ignores_what_is_not_a_reference(line: str) -> None:
    assert not OUTSIDE.search(line)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading (the docs build uses the same rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


LINK = re.compile(r"\]\((?!https?://|mailto:)([^)#\s]*)(?:#([^)\s]+))?\)")


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md", "cassettes/README.md"])
def test_links_outside_the_docs_site_resolve(page: str) -> None:
    source = ROOT / page
    for target, anchor in LINK.findall(source.read_text(encoding="utf-8")):
        path = (source.parent / target).resolve() if target else source
        assert path.exists(), f"{page}: link to {target} which does not exist"
        if anchor and path.suffix == ".md":
            headings = [line.lstrip("#") for line in path.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#")]
            assert anchor in {_slug(h) for h in headings}, f"{page}: no heading #{anchor} in {target or page}"


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].startswith("make demo") and first_block.splitlines()[1].startswith("make test")


def test_the_license_is_the_apache_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
