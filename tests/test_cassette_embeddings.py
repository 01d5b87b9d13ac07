"""The cassette kit records, scrubs and replays embeddings calls that became several native `:predict` exchanges.

Recorded against the loopback FakeVertex (constructed answers, not Vertex AI's), under a project id that must
not reach the file; replayed with no server, in whatever order the concurrent requests come.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeVertex, replay_credentials, use_cassette

PROJECT = "acme-prod-4821"
TEXTS = ["first text", "second text", "third text"]


def _calls(client: Any) -> list[Any]:
    one_per_request = client.embeddings.create(model="gemini-embedding-001", input=TEXTS, dimensions=8)
    batched = client.embeddings.create(model="google/text-embedding-005", input=[*TEXTS, "fourth"], dimensions=4,
                                       encoding_format="float")
    return [[item.embedding for item in answer.data] for answer in (one_per_request, batched)]


def test_embeddings_record_scrub_and_replay_with_several_exchanges_per_call(tmp_path: Path) -> None:
    cassette = tmp_path / "embeddings.yaml"
    with FakeVertex(project=PROJECT) as fake:
        token = "ya29.embed-record-token-" + "q" * 20
        fake.accept_token(token)
        client = vertex_openai_client(PROJECT, base_url=fake.base_url, credentials=lambda: token, max_retries=0)
        with use_cassette(cassette, record_mode="once"):
            recorded = _calls(client)
        assert len(fake.embed_requests) == 4  # three for gemini-embedding-001, one for text-embedding-005

    text = cassette.read_text()
    assert PROJECT not in text and "ya29." not in text and "authorization" not in text.lower()
    interactions = yaml.safe_load(text)["interactions"]
    paths = sorted(i["request"]["uri"].split("/v1/", 1)[1] for i in interactions)
    native = "projects/PROJECT_ID/locations/LOCATION/publishers/google/models/{}:predict"
    assert paths == [native.format("gemini-embedding-001")] * 3 + [native.format("text-embedding-005")]

    # Replay: no server is listening; another project and a fresh replay token.
    base_url = "https://us-central1-aiplatform.googleapis.com/v1/projects/other-project/locations/us-central1" \
               "/endpoints/openapi"
    with use_cassette(cassette) as played:
        client = vertex_openai_client("other-project", base_url=base_url, credentials=replay_credentials(),
                                      max_retries=0)
        assert _calls(client) == recorded
    assert played.all_played

    async def replay_async() -> list[Any]:
        async with async_vertex_openai_client("other-project", base_url=base_url, credentials=replay_credentials(),
                                              max_retries=0) as aclient:
            first = await aclient.embeddings.create(model="gemini-embedding-001", input=TEXTS, dimensions=8)
            return [item.embedding for item in first.data]

    with use_cassette(cassette, allow_playback_repeats=True):
        assert asyncio.run(replay_async()) == recorded[0]
