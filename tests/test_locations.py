"""Errors name their source: a bad location or project says which argument or variable it came from and what to
use instead; near misses get "did you mean"; swapped arguments are spotted; unknown-but-plausible locations only
warn; with base_url= the location is not checked; doctor never contradicts itself."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from test_cli_support import clean_env, run_in_process
from vertex_openai import vertex_openai_client
from vertex_openai._locations import KNOWN_LOCATIONS, SOURCE
from vertex_openai.testing import FakeCredentials, FakeVertex


@pytest.fixture
def creds() -> FakeCredentials:
    return FakeCredentials()


def test_the_issue_example_names_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, creds: FakeCredentials
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "US-CENTRAL1")
    with pytest.raises(ValueError) as caught:
        vertex_openai_client("my-project", credentials=creds)
    text = str(caught.value)
    assert text.startswith("GOOGLE_CLOUD_LOCATION='US-CENTRAL1' is not a Vertex AI location; did you mean "
                           "'us-central1'? Set GOOGLE_CLOUD_LOCATION=us-central1, or pass location=.")
    assert SOURCE in text


@pytest.mark.parametrize(("given", "meant"), [("us-central-1", "us-central1"), ("us-centrl1", "us-central1"),
                                              ("Europe-West4", "europe-west4"), ("europe_west4", "europe-west4"),
                                              ("us-central", "us-central1")])
def test_near_misses_are_refused_with_did_you_mean(creds: FakeCredentials, given: str, meant: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"location {given!r} is not a Vertex AI location; did you mean "
                                                   f"{meant!r}? Pass location={meant!r}.")):
        vertex_openai_client("my-project", given, credentials=creds)


def test_swapped_arguments_are_spotted(creds: FakeCredentials) -> None:
    with pytest.raises(ValueError) as caught:
        vertex_openai_client("global", "my-project", credentials=creds)
    assert "the project 'global' is one: project and location look swapped" in str(caught.value)
    assert "vertex_openai_client('my-project', 'global')" in str(caught.value)


def test_an_unknown_but_plausible_location_warns_once_and_is_used(creds: FakeCredentials) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = vertex_openai_client("my-project", "asia-northeast2", credentials=creds)
        vertex_openai_client("my-project", "asia-northeast2", credentials=creds)
    messages = [str(w.message) for w in caught if "asia-northeast2" in str(w.message)]
    assert len(messages) == 1 and "not in vertex-openai's list of Vertex AI locations" in messages[0]
    assert str(first.base_url).startswith("https://asia-northeast2-aiplatform.googleapis.com/v1/projects/my-project/")


def test_base_url_skips_the_location_checks(
    monkeypatch: pytest.MonkeyPatch, fake: FakeVertex
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "US-CENTRAL1")  # stale, and irrelevant: the URL is given whole
    client = vertex_openai_client("p", base_url=fake.base_url, credentials=fake.credentials())
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "You said: hi"


def test_a_bad_project_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, creds: FakeCredentials
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my project")
    with pytest.raises(ValueError, match="from the GOOGLE_CLOUD_PROJECT environment variable"):
        vertex_openai_client(credentials=creds)


def test_the_known_list_is_well_formed() -> None:
    assert {"global", "us", "eu", "us-central1", "europe-west4"} <= KNOWN_LOCATIONS
    assert all(re.fullmatch(r"[a-z0-9-]+", location) for location in KNOWN_LOCATIONS)
    assert SOURCE.startswith("https://cloud.google.com/vertex-ai/")


# -- the CLI --------------------------------------------------------------------------------------------------
def test_chat_with_a_bad_location_variable_exits_2_before_looking_for_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(tmp_path, GOOGLE_CLOUD_LOCATION="US-CENTRAL1")
    result = run_in_process(["chat", "hi"], env, monkeypatch, capsys)
    assert result.returncode == 2
    assert "GOOGLE_CLOUD_LOCATION='US-CENTRAL1' is not a Vertex AI location; did you mean 'us-central1'?" \
        in result.stderr
    assert "credentials" not in result.stderr.lower()


def test_doctor_does_not_build_a_global_url_after_rejecting_the_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(tmp_path, GOOGLE_CLOUD_LOCATION="US-CENTRAL1", GOOGLE_CLOUD_PROJECT="my-project")
    result = run_in_process(["doctor", "--timeout", "2"], env, monkeypatch, capsys)
    lines = result.stdout.splitlines()
    location = [line for line in lines if line[2:].startswith("location:")]
    base = [line for line in lines if line[2:].startswith("base URL:")]
    assert location[0].startswith("✗ location: GOOGLE_CLOUD_LOCATION='US-CENTRAL1' is not a Vertex AI location")
    assert "fix: Set GOOGLE_CLOUD_LOCATION=us-central1 (or pass --location us-central1)." in result.stdout
    assert base == ["- base URL: needs a valid location (see above)"]
    assert "locations/global" not in result.stdout
    assert result.returncode == 1


def test_doctor_warns_about_an_unknown_location_and_still_builds_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = clean_env(tmp_path, GOOGLE_CLOUD_PROJECT="my-project")
    result = run_in_process(["doctor", "--location", "asia-northeast2", "--timeout", "2"], env, monkeypatch, capsys)
    assert "! location: asia-northeast2 (from --location) is not in vertex-openai's list" in result.stdout
    assert "✓ base URL: https://asia-northeast2-aiplatform.googleapis.com/" in result.stdout
