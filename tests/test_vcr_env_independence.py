"""Cassette matching does not depend on the environment of the day: a cassette recorded with
GOOGLE_CLOUD_PROJECT set, and a prompt that names that project, replays with the variable unset (as in CI) or set
to another project. Project ids are scrubbed the same way wherever they sit in a string (`gs://<id>-assets/...`).
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
import vcr.errors

from vertex_openai import vertex_openai_client
from vertex_openai.testing import FakeVertex, replay_credentials, use_cassette

PROJECT = "my-proj-123"
PROMPT = f"Describe gs://{PROJECT}-assets/photo.jpg, stored in project {PROJECT}."


def _ask(client: openai.OpenAI, prompt: str = PROMPT) -> str:
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": prompt}])
    return str(reply.choices[0].message.content)


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "env.yaml"
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    with FakeVertex(project=PROJECT) as fake, use_cassette(path, record_mode="once"):
        client = vertex_openai_client(PROJECT, base_url=fake.base_url, credentials=fake.credentials(), max_retries=0)
        assert _ask(client) == f"You said: {PROMPT}"
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    return path


def test_project_ids_inside_other_strings_are_scrubbed_like_bare_ones(recorded: Path) -> None:
    text = recorded.read_text(encoding="utf-8")
    assert PROJECT not in text
    assert "gs://PROJECT_ID-assets/photo.jpg" in text
    assert "stored in project PROJECT_ID." in text


@pytest.mark.parametrize("project_at_replay", [None, "other-proj-456", PROJECT])
def test_replay_matches_whatever_the_project_variable_says_now(
    recorded: Path, monkeypatch: pytest.MonkeyPatch, project_at_replay: str | None
) -> None:
    if project_at_replay is None:
        monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    else:
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", project_at_replay)
    with use_cassette(recorded) as cassette:
        client = vertex_openai_client(credentials=replay_credentials(), max_retries=0)
        answer = _ask(client)
    assert answer == "You said: Describe gs://PROJECT_ID-assets/photo.jpg, stored in project PROJECT_ID."
    assert cassette.play_count == 1


def test_a_different_prompt_still_does_not_match(recorded: Path) -> None:
    mismatch = (openai.APIConnectionError, vcr.errors.CannotOverwriteExistingCassetteException)
    with use_cassette(recorded), pytest.raises(mismatch):
        client = vertex_openai_client(credentials=replay_credentials(), max_retries=0)
        _ask(client, f"Describe gs://{PROJECT}-assets/another-photo.jpg, stored in project {PROJECT}.")
