"""The public constructors have real, typed keyword signatures: `mypy --strict` catches a misspelt keyword.

Runs mypy (a test dependency) on small snippets, as a user's type check would see our package.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import vertex_openai
from vertex_openai import AsyncOpenAI, OpenAI, async_vertex_openai_client, vertex_openai_client

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTED = ["project", "location", "endpoint", "api_version", "credentials", "base_url", "token_refresh_margin",
              "token_refresh_timeout", "max_retry_delay", "schema_adaptation"]
SDK_COMMON = ["timeout", "max_retries", "default_headers", "default_query", "http_client", "webhook_secret",
              "websocket_base_url"]


def _mypy(tmp_path: Path, code: str) -> str:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(code, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context",
         "--config-file", str(config), "--cache-dir", str(ROOT / ".mypy_cache"), str(snippet)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("target", [OpenAI.__init__, AsyncOpenAI.__init__, vertex_openai_client,
                                    async_vertex_openai_client])
def test_every_documented_and_common_sdk_keyword_is_a_typed_parameter(target: object) -> None:
    parameters = inspect.signature(target).parameters  # type: ignore[arg-type]
    for name in DOCUMENTED + SDK_COMMON:
        assert name in parameters, name
        assert parameters[name].annotation is not inspect.Parameter.empty, name
    assert not [name for name in parameters if name.startswith("_")], "no private parameter in a public signature"
    (extra,) = [p for p in parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    assert extra.annotation == "Unpack[RefusedOpenAIOptions]"


def test_credentials_are_typed_not_any() -> None:
    annotation = inspect.signature(vertex_openai_client).parameters["credentials"].annotation
    assert annotation == "Credentials | Callable[[], str] | None"
    annotation = inspect.signature(AsyncOpenAI.__init__).parameters["credentials"].annotation
    assert annotation == "Credentials | Callable[[], str | Awaitable[str]] | None"


@pytest.mark.once  # mypy over the openai package takes a minute: `make test` runs it, the other jobs skip it
def test_mypy_strict_catches_a_misspelt_keyword_and_an_api_key(tmp_path: Path) -> None:
    output = _mypy(tmp_path, (
        "from vertex_openai import AsyncOpenAI, OpenAI, vertex_openai_client\n"
        'a = vertex_openai_client("my-project", locaton="us-central1")\n'
        'b = OpenAI(project="p", api_key="sk-123")\n'
        'c = AsyncOpenAI(schema_adaptation="jsonshema")\n'
        "d = vertex_openai_client(credentials=42)\n"
    ))
    assert 'snippet.py:2: error: Unexpected keyword argument "locaton"' in output, output
    assert "snippet.py:3: error:" in output and "api_key" in output
    assert "snippet.py:4: error:" in output and "schema_adaptation" in output
    assert "snippet.py:5: error:" in output and "credentials" in output


@pytest.mark.once  # mypy over the openai package takes a minute: `make test` runs it, the other jobs skip it
def test_mypy_strict_accepts_correct_use(tmp_path: Path) -> None:
    output = _mypy(tmp_path, (
        "import openai\n"
        "from vertex_openai import AsyncOpenAI, OpenAI, async_vertex_openai_client, vertex_openai_client\n"
        "def token() -> str:\n"
        '    return "t"\n'
        'a: openai.OpenAI = vertex_openai_client("p", "us-central1", credentials=token, timeout=10.0,\n'
        '                                        max_retries=0, schema_adaptation="openapi", api_key=None)\n'
        'b: openai.AsyncOpenAI = async_vertex_openai_client(location="global", default_headers={"x": "y"})\n'
        'c = OpenAI(base_url="https://example.com/v1", max_retry_delay=5)\n'
        'd = AsyncOpenAI(endpoint="1234", api_version="v1beta1")\n'
        'e = c.with_options(location="eu", project="q")\n'
    ))
    assert "error" not in output, output


def test_exports_are_unchanged() -> None:
    assert {"OpenAI", "AsyncOpenAI", "vertex_openai_client", "async_vertex_openai_client"} <= set(vertex_openai.__all__)
