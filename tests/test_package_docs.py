"""What a user reads without the docs site: `help(vertex_openai)`, and texts that quote the code or its dependencies.

Each quoted text is compared with what the code (or the installed dependency) says today, so it cannot go stale
silently.
"""

from __future__ import annotations

import pydoc
import re
from pathlib import Path

import pytest

import vertex_openai
from test_public_api import PUBLIC_MODULES
from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex, use_cassette
from vertex_openai.testing._vcr import describe_mismatch
from vertex_openai.wire._hints import model_hint

ROOT = Path(__file__).resolve().parents[1]


def _help() -> str:
    return pydoc.render_doc(vertex_openai, renderer=pydoc.plaintext)


def _sections(text: str) -> dict[str, str]:
    """pydoc's output split at its section headings (NAME, DESCRIPTION, PACKAGE CONTENTS, CLASSES, ...)."""
    parts = re.split(r"^([A-Z][A-Z ]+)$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_help_describes_the_package_its_public_modules_and_where_the_docs_are() -> None:
    sections = _sections(_help())
    description = sections.get("DESCRIPTION", "")
    assert "Vertex AI" in sections["NAME"] and "openai" in sections["NAME"]
    for name in PUBLIC_MODULES[1:]:
        assert re.search(rf"\b{re.escape(name)}\b", description), f"help() does not name {name}"
    assert "vertex_openai_client" in description and "Documentation" in description
    assert "install.html" in description, "help() points to the quick-start page of the docs site"


def test_help_shows_no_private_module_outside_the_file_listing() -> None:
    """pydoc's PACKAGE CONTENTS lists the files of the folder whatever `__all__` says; every other section shows only
    public names, and the description says that underscored modules are private."""
    sections = _sections(_help())
    for title, body in sections.items():
        if title in ("PACKAGE CONTENTS", "CLASSES"):
            continue
        assert not re.search(r"\b_(?!_)\w+", body.replace("vertex_openai_client", "")), (title, body[:500])
    assert "private" in sections["DESCRIPTION"]
    functions = sections["FUNCTIONS"]
    assert set(re.findall(r"^    ([a-z]\w*)\(", functions, flags=re.M)) == {
        name for name in vertex_openai.__all__ if callable(getattr(vertex_openai, name)) and name[0].islower()
    }


def test_dir_lists_the_public_names_and_modules_only() -> None:
    import vertex_openai.bulk
    import vertex_openai.cli

    listed = dir(vertex_openai)
    assert not [name for name in listed if name.startswith("_") and not name.startswith("__")], listed
    assert set(vertex_openai.__all__) <= set(listed)
    assert {name.rpartition(".")[2] for name in PUBLIC_MODULES[1:]} <= set(listed)


# --- texts that quote the code or a dependency ------------------------------------------------------------------

def _replay_failure(tmp_path: Path) -> tuple[str, str]:
    """What a test gets when it sends a request its cassette does not hold (recorded from the fake): the kit's
    message and vcrpy's own."""
    path = tmp_path / "one.yaml"
    with FakeVertex() as fake:
        client = vertex_openai_client("my-project", base_url=fake.base_url, credentials=fake.credentials(),
                                      max_retries=0)
        with use_cassette(path, record_mode="once"):
            client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "a"}])
        with use_cassette(path), pytest.raises(Exception) as caught:
            client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "b"}])
    message = describe_mismatch(caught.value)
    assert message is not None, caught.value
    error: BaseException | None = caught.value
    while error is not None and type(error).__name__ != "CannotOverwriteExistingCassetteException":
        error = error.__cause__ or error.__context__
    assert error is not None, caught.value
    return message, str(error)


def test_troubleshooting_quotes_the_replay_failure_as_the_installed_vcrpy_words_it(tmp_path: Path) -> None:
    message, vcrpy_message = _replay_failure(tmp_path)
    page = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    kit_words = message.split(" (", 1)[0]            # ours: "vertex-openai cassette replay failed"
    # vcrpy's headline: "Can't play back this request" (vcrpy 9) or "Can't overwrite existing cassette" (6-8)
    vcr_words = next(words for words in ("Can't play back this request", "Can't overwrite existing cassette")
                     if vcrpy_message.startswith(words))
    assert kit_words in page and vcr_words in page, (kit_words, vcr_words)


def test_the_readme_says_a_model_id_changes_too_and_quotes_the_hint_users_get() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "changes only its import line" not in readme
    hint = model_hint("gpt-4o", "global")
    assert " ".join(hint.split()) in " ".join(readme.split()), hint


def test_the_responses_page_names_no_fixed_newest_sdk_version() -> None:
    page = (ROOT / "docs" / "responses.md").read_text(encoding="utf-8")
    assert not re.search(r"newest supported openai SDK \(\d", page)
