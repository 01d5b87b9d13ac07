"""`responses.input_items.list()` pages are served from the client-side store for every page, by iteration
too, with `has_more`, `after`, `order` (and `limit`'s documented default of 20) as the SDK documents them.
Nothing is ever sent for them: Vertex AI stores no responses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from vertex_openai import async_vertex_openai_client, vertex_openai_client
from vertex_openai.testing import FakeCredentials, FakeVertex

MODEL = "gemini-2.5-flash"


def _texts(items: Any) -> list[str]:
    return [item.content[0].text for item in items]


def _create(client: Any, count: int) -> Any:
    return client.responses.create(model=MODEL, input=[{"role": "user", "content": f"m{i}"} for i in range(count)])


def test_iterating_past_the_first_page_reads_the_store(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    response = _create(client, 5)
    sent = len(fake.requests)
    page = client.responses.input_items.list(response.id, limit=2)
    assert _texts(page.data) == ["m4", "m3"] and page.has_more is True
    assert _texts(page) == ["m4", "m3", "m2", "m1", "m0"]  # iteration walks every page
    pages = list(page.iter_pages())
    assert [_texts(p.data) for p in pages] == [["m4", "m3"], ["m2", "m1"], ["m0"]]
    assert [p.has_more for p in pages] == [True, True, False]
    assert len(fake.requests) == sent  # nothing was sent for any page


def test_next_page_keeps_order_and_limit(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    response = _create(client, 5)
    page = client.responses.input_items.list(response.id, limit=2, order="asc")
    assert page.has_next_page()
    second = page.get_next_page()
    assert _texts(second.data) == ["m2", "m3"] and second.has_more is True
    third = second.get_next_page()
    assert _texts(third.data) == ["m4"] and third.has_more is False and not third.has_next_page()


def test_after_starts_behind_the_given_item(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    response = _create(client, 4)
    everything = client.responses.input_items.list(response.id, order="asc")
    ids = [item.id for item in everything.data]
    later = client.responses.input_items.list(response.id, order="asc", after=ids[1])
    assert _texts(later.data) == ["m2", "m3"] and later.has_more is False


def test_limit_defaults_to_twenty(fake: FakeVertex, creds: FakeCredentials) -> None:
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    response = _create(client, 23)
    first = client.responses.input_items.list(response.id, order="asc")
    assert len(first.data) == 20 and first.has_more is True
    assert len(list(first)) == 23


def test_async_iteration_walks_every_page(fake: FakeVertex, creds: FakeCredentials) -> None:
    async def main() -> tuple[list[str], list[str], bool]:
        client = async_vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
        try:
            response = await client.responses.create(
                model=MODEL, input=[{"role": "user", "content": f"m{i}"} for i in range(5)])
            walked = [item.content[0].text async for item in client.responses.input_items.list(response.id, limit=2)]
            first = await client.responses.input_items.list(response.id, limit=2, order="asc")
            second = await first.get_next_page()
            return walked, _texts(second.data), second.has_more
        finally:
            await client.close()

    sent = len(fake.requests)
    walked, second, more = asyncio.run(main())
    assert walked == ["m4", "m3", "m2", "m1", "m0"]
    assert second == ["m2", "m3"] and more is True
    assert len(fake.requests) == sent + 1  # only the create call went out


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_before_ends_ahead_of_the_given_item(fake: FakeVertex, creds: FakeCredentials, order: str) -> None:
    # `before` is a list parameter of older SDK releases; newer ones reach it through extra_query
    client = vertex_openai_client("fake-project", base_url=fake.base_url, credentials=creds)
    response = _create(client, 4)
    everything = client.responses.input_items.list(response.id, order=order)
    ids = [item.id for item in everything.data]
    earlier = client.responses.input_items.list(response.id, order=order, extra_query={"before": ids[2]})
    assert [item.id for item in earlier.data] == ids[:2]
