"""`with_options()` / `copy()` on a client built with `base_url=`: a change either applies or is refused clearly.

Before, `with_options(location="eu")` on such a client changed its repr and `.location` but requests still went to
the same URL.
"""

from __future__ import annotations

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("change", [{"location": "europe-west4"}, {"project": "other-project"},
                                    {"endpoint": "1234567890"}, {"api_version": "v1beta1"}])
def test_moving_a_base_url_client_without_a_new_base_url_is_refused(
    fake: FakeVertex, creds: FakeCredentials, change: dict[str, str]
) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    for make_copy in (client.with_options, client.copy):
        with pytest.raises(ValueError) as caught:
            make_copy(**change)  # type: ignore[arg-type]
        (key, value), = change.items()
        assert f"built with base_url={fake.base_url!r}, so {key}={value!r} would not change where requests go" \
            in str(caught.value)
        assert "Pass base_url= to with_options()/copy() as well" in str(caught.value)


def test_async_client_refuses_too(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    with pytest.raises(ValueError, match="would not change where requests go"):
        client.with_options(location="us-central1")


def test_a_new_base_url_with_the_change_applies(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    moved = client.with_options(location="europe-west4", base_url=fake.url_for(location="europe-west4"))
    moved.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    assert fake.chat_requests[-1].path.startswith("/v1/projects/fake-project/locations/europe-west4/")
    assert moved.location == "europe-west4"


def test_unchanged_values_and_other_options_are_fine(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    same = client.with_options(location="global", timeout=5, max_retries=0)
    same.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    assert fake.chat_requests[-1].path.startswith("/v1/projects/fake-project/locations/global/")


def test_a_client_built_from_project_and_location_moves(creds: FakeCredentials) -> None:
    client = vertex_openai_client("my-project", "us-central1", credentials=creds)
    moved = client.with_options(location="europe-west4", project="other-project")
    assert str(moved.base_url) == ("https://europe-west4-aiplatform.googleapis.com/v1/projects/other-project/"
                                   "locations/europe-west4/endpoints/openapi/")
    assert moved.token_source is client.token_source  # copies share the token
