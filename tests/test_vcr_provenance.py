"""The provenance label of a recorded answer comes from where its request went, and only from that.

A request to a loopback address is labelled constructed (a fake answered), one to a Google host recorded from
Vertex AI; a header the server itself sends under the label's name is dropped; interactions loaded from a file
(hand-written ones included) are never given a label they did not have, not even when the cassette is written
back after recording new episodes.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from vertex_openai import vertex_openai_client
from vertex_openai.testing import CassetteScrubber, FakeVertex, Fault, use_cassette
from vertex_openai.testing._vcr import PROVENANCE_HEADER

FAKE_LABEL = "constructed: recorded against a loopback fake at 127.0.0.1, not Vertex AI"


def _ask(fake: FakeVertex, text: str) -> str:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=fake.credentials(),
                                  max_retries=0)
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": text}])
    return str(reply.choices[0].message.content)


def _labels(path: Path) -> list[list[str] | None]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [interaction["response"]["headers"].get(PROVENANCE_HEADER) for interaction in data["interactions"]]


def test_an_answer_from_a_loopback_fake_is_labelled_constructed(tmp_path: Path) -> None:
    path = tmp_path / "fake.yaml"
    with FakeVertex() as fake, use_cassette(path, record_mode="once"):
        _ask(fake, "hi")
    assert _labels(path) == [[FAKE_LABEL]]


def test_a_label_sent_by_the_server_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "scripted.yaml"
    body = {"choices": [{"finish_reason": "stop", "index": 0, "message": {"content": "scripted", "role": "assistant"}}],
            "created": 1, "id": "x", "model": "google/gemini-2.5-flash", "object": "chat.completion"}
    with FakeVertex() as fake, use_cassette(path, record_mode="once"):
        lie = {"X-Vertex-OpenAI-Provenance": "recorded: Vertex AI, 2020-01-01"}
        fake.fail_next(Fault(status=200, body=body, headers=lie))
        assert _ask(fake, "hi") == "scripted"
    assert _labels(path) == [[FAKE_LABEL]]
    assert "2020-01-01" not in path.read_text(encoding="utf-8")


def test_an_answer_from_a_google_host_is_labelled_recorded_from_vertex() -> None:
    scrubber = CassetteScrubber()
    request = Request("POST", "https://aiplatform.googleapis.com/v1/projects/p-123456/locations/global/endpoints/"
                      "openapi/chat/completions", b"{}", {"content-type": "application/json"})
    assert scrubber.request(request) is not None
    response: dict[str, Any] = {"status": {"code": 200, "message": "OK"},
                                "headers": {"content-type": ["application/json"],
                                            PROVENANCE_HEADER: ["constructed: a lie"]},
                                "body": {"string": b"{}"}}
    labelled = scrubber.response(response)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert labelled["headers"][PROVENANCE_HEADER] == [f"recorded: Vertex AI, {today}"]


def _hand_written(path: Path, fake: FakeVertex, label: str | None) -> None:
    """A cassette written by hand for the prompt "old": no label, or the one given."""
    headers: dict[str, list[str]] = {"content-type": ["application/json; charset=UTF-8"]}
    if label:
        headers[PROVENANCE_HEADER] = [label]
    answer = {"choices": [{"finish_reason": "stop", "index": 0,
                           "message": {"content": "written by hand", "role": "assistant"}}],
              "created": 1, "id": "hand", "model": "google/gemini-2.5-flash", "object": "chat.completion"}
    request_body = json.dumps({"messages": [{"content": "old", "role": "user"}], "model": "google/gemini-2.5-flash"})
    cassette = {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": fake.base_url.replace("fake-project", "PROJECT_ID").replace(
            "global", "LOCATION") + "/chat/completions", "body": request_body,
            "headers": {"content-type": ["application/json"]}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": headers,
                     "body": {"string": json.dumps(answer)}},
    }]}
    path.write_text(yaml.safe_dump(cassette), encoding="utf-8")


def test_hand_written_interactions_get_no_label_even_after_new_episodes(tmp_path: Path) -> None:
    path = tmp_path / "hand.yaml"
    with FakeVertex() as fake:
        _hand_written(path, fake, None)
        with use_cassette(path, record_mode="new_episodes"):
            assert _ask(fake, "old") == "written by hand"
            assert _ask(fake, "new") == "You said: new"
    assert _labels(path) == [None, [FAKE_LABEL]]


def test_a_loaded_label_is_kept_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "labelled.yaml"
    with FakeVertex() as fake:
        _hand_written(path, fake, "constructed: from the docs, by hand")
        with use_cassette(path, record_mode="new_episodes"):
            assert _ask(fake, "old") == "written by hand"
            _ask(fake, "new")
    assert _labels(path) == [["constructed: from the docs, by hand"], [FAKE_LABEL]]
