"""The local bulk runner under hostile input: no hang, no leaked slot, no crash on one bad reply, a prompt
that raises is one item's failure, an abort exits promptly. Faults are scripted on the constructed fake."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from test_cli_support import TokenEndpoint, clean_env, run_cli, token_endpoint, write_service_account_key
from vertex_openai import AsyncOpenAI
from vertex_openai.bulk import BulkInputError, extract
from vertex_openai.testing import FakeVertex, Fault, google_error_body

MODEL = "google/gemini-2.5-flash"


class Invoice(BaseModel):
    vendor: str
    total: int


def _client(fake: FakeVertex) -> AsyncOpenAI:
    return AsyncOpenAI(project=fake.project, location=fake.location, base_url=fake.base_url,
                       credentials=fake.credentials())


def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"inv-{i}", "text": f"Invoice {i} from ACME, total {i} EUR"} for i in range(n)]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _retry_info(seconds: float) -> list[dict[str, str]]:
    return [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{seconds}s"}]


def _throttled(delay: float | None = None) -> Fault:
    details = _retry_info(delay) if delay is not None else None
    return Fault(status=429, body=google_error_body(429, "RESOURCE_EXHAUSTED", "Resource exhausted.", details))


# A child process runs the extraction so that a hang is a timeout of the child, never of the test run.
_CHILD = """
import json, sys
from pydantic import BaseModel
from vertex_openai import AsyncOpenAI, OpenAI
from vertex_openai.bulk import extract
from vertex_openai.testing import FakeCredentials

class Invoice(BaseModel):
    vendor: str
    total: int

base_url, output, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
cls = OpenAI if options.pop("sync", False) else AsyncOpenAI
client = cls(project="fake-project", location="global", base_url=base_url, credentials=FakeCredentials())
items = [{"id": f"inv-{i}", "text": f"Invoice {i}", "n": 10**12} for i in range(options.pop("items"))]
prompt = options.pop("prompt")
if prompt == "missing-key":
    prompt = lambda item: item["missing"]
try:
    summary = extract(client, items, prompt=prompt, response_format=Invoice, model="google/gemini-2.5-flash",
                      output=output, progress=False, **options)
except Exception as err:
    print(f"raised {type(err).__name__}: {err}", flush=True)
    sys.exit(1)
print(json.dumps({"succeeded": summary.succeeded, "failed": summary.failed}), flush=True)
"""


def _child(fake: FakeVertex, output: Path, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _CHILD, fake.base_url, str(output), json.dumps(options)],
                          capture_output=True, text=True, timeout=timeout, check=False)


# -- an abort during a RetryInfo pause ends the run (3.10/3.11 leaked the condition's lock and hung) ---------------

@pytest.fixture
def tokens(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    with token_endpoint(fake) as endpoint:
        yield endpoint


def test_an_abort_during_a_retry_info_pause_exits_with_the_stop_message(fake: FakeVertex, tmp_path: Path,
                                                                          tokens: TokenEndpoint) -> None:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    (tmp_path / "rows.py").write_text("from pydantic import BaseModel\nclass Row(BaseModel):\n    name: str\n",
                                      encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"r{n}", "text": f"row {n}"}) + "\n" for n in range(20)),
                      encoding="utf-8")
    not_found = Fault(status=404, delay=0.15, body=google_error_body(404, "NOT_FOUND", "Publisher model not found."))
    # The hang depended on timing (most often at a low concurrency): each try must end with the stop message.
    for concurrency in ("1", "4", "1", "4", "32"):
        fake.reset()
        fake.play(_throttled(0.2), _throttled(), not_found, *[_throttled() for _ in range(9)])
        out = tmp_path / f"out-{time.monotonic_ns()}.jsonl"
        result = run_cli(["extract", str(source), "--schema", f"{tmp_path / 'rows.py'}:Row", "--prompt", "{text}",
                          "--output", str(out), "--base-url", fake.base_url, "--concurrency", concurrency], env,
                         timeout=60)
        assert result.returncode == 1, result.stderr
        assert "vertex-openai extract: stopped:" in result.stderr and "NOT_FOUND" in result.stderr


def test_an_abort_during_a_retry_info_pause_never_hangs_the_api(fake: FakeVertex, tmp_path: Path) -> None:
    not_found = Fault(status=404, delay=0.15, body=google_error_body(404, "NOT_FOUND", "Publisher model not found."))
    for attempt, concurrency in enumerate((1, 4) * 4):  # timing-dependent before the fix: 8 tries
        fake.reset()
        fake.play(_throttled(0.2), _throttled(), not_found, *[_throttled() for _ in range(9)])
        result = _child(fake, tmp_path / f"out-{attempt}.jsonl", timeout=30, items=20, prompt="{text}",
                        concurrency=concurrency)
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout.startswith("raised BulkAbortedError") and "NOT_FOUND" in result.stdout


@pytest.mark.parametrize("yields", range(6))
def test_a_waiter_cancelled_as_it_wakes_ends_cancelled_and_holds_nothing(yields: int) -> None:
    """`wait_for(cond.wait(), t)` on 3.10/3.11 swallowed a cancel that arrived just as the wait woke: the task
    went on waiting (and the run's clean-up waited for it forever). Each yield count hits another moment."""
    import asyncio

    from vertex_openai.bulk import AdaptiveLimit

    async def scenario() -> None:
        limit = AdaptiveLimit(2, initial=2)
        first, second = await limit.acquire(), await limit.acquire()
        await limit.release(second, throttled=True, retry_delay=5.0)  # a RetryInfo pause of 5 s
        waiter = asyncio.ensure_future(limit.acquire())
        await asyncio.sleep(0.01)
        await limit.release(first)  # wakes the waiter (still paused, it would wait again)
        for _ in range(yields):
            await asyncio.sleep(0)
        waiter.cancel()
        done, _ = await asyncio.wait({waiter}, timeout=2.0)
        assert waiter in done and waiter.cancelled()
        assert limit.in_flight == 0

    asyncio.run(scenario())


def test_cancelling_a_paused_acquire_leaves_the_limit_usable() -> None:
    """A waiter cancelled while a RetryInfo pause runs holds nothing: the next acquire gets a slot at once."""
    import asyncio

    from vertex_openai.bulk import AdaptiveLimit

    async def scenario() -> None:
        limit = AdaptiveLimit(4, initial=1)
        epoch = await limit.acquire()
        await limit.release(epoch, throttled=True, retry_delay=0.05)
        waiters = [asyncio.ensure_future(limit.acquire()) for _ in range(3)]
        await asyncio.sleep(0.06)  # the pause ends while they wait; cancel them as they wake
        for waiter in waiters:
            waiter.cancel()
        results = await asyncio.gather(*waiters, return_exceptions=True)
        got = [r for r in results if not isinstance(r, BaseException)]
        for held in got:  # any that won the race before the cancel hold a slot: hand it back
            await limit.release(held)
        assert limit.in_flight == 0
        epoch = await asyncio.wait_for(limit.acquire(), 5)
        assert limit.in_flight == 1
        await limit.release(epoch)

    asyncio.run(scenario())


# -- a prompt that raises is that item's failure -----------------------------------------------------------------

def test_a_prompt_callable_that_raises_fails_its_item_at_concurrency_1(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _child(fake, out, timeout=60, items=3, prompt="missing-key", concurrency=1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"succeeded": 0, "failed": 3}
    lines = _lines(out)
    assert sorted(line["id"] for line in lines) == ["inv-0", "inv-1", "inv-2"]
    assert all(line["error"]["type"] == "input" and "KeyError" in line["error"]["message"] for line in lines)
    assert "'missing'" in lines[0]["error"]["message"]
    assert fake.chat_requests == []


def test_a_template_that_runs_out_of_memory_fails_its_item(fake: FakeVertex, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = _child(fake, out, timeout=60, items=2, prompt="X {text:{n}}", concurrency=1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"succeeded": 0, "failed": 2}
    assert all(line["error"]["type"] == "input" and "MemoryError" in line["error"]["message"]
               for line in _lines(out))


def test_a_prompt_that_raises_at_high_concurrency_records_the_item_and_runs_the_rest(fake: FakeVertex,
                                                                                      tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"

    def prompt(item: dict[str, Any]) -> str:
        if item["id"] == "inv-3":
            raise RuntimeError("this prompt cannot be built")
        return str(item["text"])

    summary = extract(_client(fake), _items(8), prompt=prompt, response_format=Invoice, model=MODEL, output=out,
                      concurrency=32, progress=False)
    assert (summary.succeeded, summary.failed) == (7, 1)
    (bad,) = [line for line in _lines(out) if not line["ok"]]
    assert bad["id"] == "inv-3" and bad["error"]["type"] == "input"
    assert "RuntimeError: this prompt cannot be built" in bad["error"]["message"]


# -- a 200 that is not a JSON object is retried as malformed ---------------------------------------------------

@pytest.mark.parametrize(("body", "content_type"), [
    ("<html>proxy login</html>", "text/html"),
    ("[]", "application/json"),
    ('"just a string"', "application/json"),
])
def test_a_200_that_is_not_a_json_object_is_retried(fake: FakeVertex, tmp_path: Path, body: str,
                                                    content_type: str) -> None:
    out = tmp_path / "out.jsonl"
    fake.fail_next(Fault(status=200, body=body, headers={"Content-Type": content_type}))
    summary = extract(_client(fake), _items(3), prompt="{text}", response_format=Invoice, model=MODEL,
                      output=out, concurrency=1, progress=False)
    assert (summary.succeeded, summary.failed, summary.retries) == (3, 0, 1)
    assert len(fake.chat_requests) == 4
    assert sorted(line["id"] for line in _lines(out)) == ["inv-0", "inv-1", "inv-2"]


def test_a_reply_that_is_never_a_json_object_fails_the_item_after_the_retries(fake: FakeVertex,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    fake.fail_next(*[Fault(status=200, body="<html>proxy login</html>", headers={"Content-Type": "text/html"})
                     for _ in range(3)])
    summary = extract(_client(fake), _items(1), prompt="{text}", response_format=Invoice, model=MODEL,
                      output=out, max_attempts=3, progress=False)
    assert (summary.succeeded, summary.failed) == (0, 1) and len(fake.chat_requests) == 3
    (bad,) = _lines(out)
    assert bad["error"]["type"] == "transient" and bad["attempts"] == 3
    assert "not a chat completion" in bad["error"]["message"]


# -- ids ---------------------------------------------------------------------------------------------------------

def test_a_lone_surrogate_id_is_refused_before_anything_is_sent(fake: FakeVertex, tmp_path: Path) -> None:
    items = [*_items(3), {"id": "inv-\ud800", "text": "x"}]
    with pytest.raises(BulkInputError, match=r"item 4 of the input: the id 'id' .*surrogate"):
        extract(_client(fake), items, prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)
    assert fake.chat_requests == []
    with pytest.raises(BulkInputError, match="surrogate"):  # a generator is checked as it streams
        extract(_client(fake), iter(items[::-1]), prompt="{text}", response_format=Invoice, model=MODEL,
                output=tmp_path / "o.jsonl", progress=False)
    assert fake.chat_requests == []


# -- a sync client's abort ends the process without waiting for the requests in flight ------------------------

def test_a_sync_client_abort_exits_without_joining_requests_in_flight(fake: FakeVertex, tmp_path: Path) -> None:
    slow = Fault(status=503, delay=120, body=google_error_body(503, "UNAVAILABLE", "slow"))
    not_found = Fault(status=404, delay=0.3, body=google_error_body(404, "NOT_FOUND", "Publisher model not found."))
    fake.play(not_found, slow, slow, slow)
    # Without the fix the child waits for the three slow answers (120 s): the timeout turns that into a failure.
    result = _child(fake, tmp_path / "out.jsonl", timeout=60, items=8, prompt="{text}", concurrency=4, sync=True)
    assert result.returncode == 1
    assert result.stdout.startswith("raised BulkAbortedError") and "NOT_FOUND" in result.stdout



# -- extract -v logs every exchange of the async client and the requests still succeed --------------------------

def test_extract_verbose_logs_each_exchange_and_every_item_succeeds(fake: FakeVertex, tmp_path: Path,
                                                                    tokens: TokenEndpoint) -> None:
    key = write_service_account_key(tmp_path / "key.json", tokens.url)
    env = clean_env(tmp_path, GOOGLE_APPLICATION_CREDENTIALS=str(key))
    (tmp_path / "rows.py").write_text("from pydantic import BaseModel\nclass Row(BaseModel):\n    name: str\n",
                                      encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"r{n}", "text": f"row {n}"}) + "\n" for n in range(3)),
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli(["extract", str(source), "--schema", f"{tmp_path / 'rows.py'}:Row", "--prompt", "{text}",
                      "--output", str(out), "--base-url", fake.base_url, "-v"], env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert all(line["ok"] for line in _lines(out)) and len(_lines(out)) == 3
    assert result.stderr.count("> POST ") == 3 and result.stderr.count("< 200 ") == 3
    assert '"choices"' in result.stderr  # the response body is logged too
    assert "Bearer <redacted>" in result.stderr and tokens.token not in result.stderr
