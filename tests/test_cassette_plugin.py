"""The pytest plugin, used the way a user would: a small external test project run in a subprocess.

Replay runs with no ADC anywhere (no GOOGLE_APPLICATION_CREDENTIALS, an empty gcloud config, no metadata
server probe); recording runs with a real service-account key file whose token endpoint is a loopback server,
against the loopback FakeVertex.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from test_vcr_record import PROJECT, SA_EMAIL, TokenServer
from test_vcr_replay import CountingServer
from vertex_openai.testing import FakeVertex, Reply

CORE = Path(__file__).resolve().parent.parent / "cassettes" / "core"

USER_TESTS = '''
import asyncio
import os

import pytest

from vertex_openai import vertex_openai_client

SKY = [{"role": "user", "content": "Why is the sky blue? One sentence."}]
TOKENS = []


def test_answer(vertex_client, vertex_credentials, vertex_replaying):
    reply = vertex_client.chat.completions.create(model="gemini-2.5-flash", messages=SKY)
    assert reply.choices[0].message.content.startswith("The sky looks blue")
    assert vertex_replaying
    TOKENS.append(vertex_credentials.token)


@pytest.mark.default_cassette("test_answer")
def test_own_code_building_its_own_client_needs_no_adc(vertex_credentials):
    client = vertex_openai_client()  # Application Default Credentials, as user code would do
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=SKY)
    assert reply.choices[0].finish_reason == "stop"
    TOKENS.append(vertex_credentials.token)
    assert TOKENS[0] != TOKENS[1], "each test gets fresh credentials"


@pytest.mark.default_cassette("test_answer")
def test_async(vertex_async_client):
    async def ask():
        reply = await vertex_async_client.chat.completions.create(model="gemini-2.5-flash", messages=SKY)
        return reply.choices[0].message.content
    assert asyncio.run(ask()).endswith("longer red ones.")


@pytest.mark.default_cassette("test_answer")
def test_unmatched(vertex_client):
    vertex_client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "Hi"}])


@pytest.mark.default_cassette("test_answer")
def test_unplayed(vertex_client):
    pass


@pytest.mark.default_cassette("test_answer")
def test_token_request_while_replaying(vertex_cassette):
    import httpx
    httpx.post(os.environ["TOKEN_URL"], content=os.environ["TOKEN_BODY"].encode(),
               headers={"content-type": "application/x-www-form-urlencoded"})


def test_record_with_adc(vertex_credentials, vertex_replaying):
    client = vertex_openai_client(base_url=os.environ["FAKE_BASE_URL"], credentials=vertex_credentials,
                                  max_retries=0)
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=SKY)
    assert "owned by" in reply.choices[0].message.content
    assert (vertex_credentials is None) == (not vertex_replaying)
'''

# The user's own pytest-recording settings: they keep working next to the plugin.
USER_CONFTEST = '''
import pytest


@pytest.fixture
def vcr_config():
    return {"filter_query_parameters": ["debug"]}
'''


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "userproject"
    (project / "cassettes" / "test_user").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "conftest.py").write_text(USER_CONFTEST, encoding="utf-8")
    (project / "test_user.py").write_text(USER_TESTS, encoding="utf-8")
    shutil.copy(CORE / "text_non_stream.yaml", project / "cassettes" / "test_user" / "test_answer.yaml")
    return project


def _no_adc_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOOGLE_", "CLOUDSDK_", "OPENAI_", "PYTEST_"))}
    gcloud = tmp_path / "empty-gcloud-config"
    gcloud.mkdir(exist_ok=True)
    env.update(CLOUDSDK_CONFIG=str(gcloud), HOME=str(tmp_path), NO_GCE_CHECK="True",
               FAKE_BASE_URL="http://127.0.0.1:9/v1/projects/nowhere/locations/global/endpoints/openapi")
    return env


def run_pytest(python: str, project: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def _outcomes(output: str) -> dict[str, str]:
    outcomes = {}
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR") and "::" in rest:
            outcomes[rest.split("::")[1].split(" ")[0]] = word
    return outcomes


def test_replay_with_the_plugin_needs_no_adc_and_reports_mismatches(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _no_adc_env(tmp_path)
    counting = CountingServer()
    try:
        env["TOKEN_URL"] = f"{counting.url}/token"
        env["TOKEN_BODY"] = "grant_type=refresh_token&refresh_token=1//0gPluginSecret"
        output = run_pytest(sys.executable, project, env, "-k", "not record_with_adc")
    finally:
        counting.close()
    outcomes = _outcomes(output)
    assert outcomes == {
        "test_answer": "PASSED", "test_own_code_building_its_own_client_needs_no_adc": "PASSED",
        "test_async": "PASSED", "test_unmatched": "FAILED", "test_unplayed": "ERROR",
        "test_token_request_while_replaying": "FAILED",
    }, output
    assert counting.hits == 0  # token traffic while replaying fails instead of reaching the network
    token_failure = output[output.index("_ test_token_request_while_replaying _"):]
    assert "CassetteReplayError" in token_failure and "replay_credentials()" in token_failure
    assert f"POST {counting.url}/token" in token_failure and "1//0gPluginSecret" not in token_failure
    cassette = str(project / "cassettes" / "test_user" / "test_answer.yaml")
    unmatched = output[output.index("test_unmatched"):]
    assert "Can't play back this request" in unmatched and cassette in unmatched
    assert "POST http" in unmatched and '"Hi"' in unmatched
    assert f"cassette {cassette} has 1 interaction(s) this test never made" in output


def _service_account_key(tokens: TokenServer, path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps(tokens.service_account_info(pem)), encoding="utf-8")


def test_record_with_real_adc_then_replay_without_it(tmp_path: Path) -> None:
    project = _project(tmp_path)
    recorded = project / "cassettes" / "test_user" / "test_record_with_adc.yaml"

    def responder(body: object) -> Reply:
        return Reply(content=f"{PROJECT} is owned by {SA_EMAIL}")

    with FakeVertex(project=PROJECT, responder=responder) as fake, TokenServer(fake) as tokens:
        key_file = tmp_path / "sa-key.json"
        _service_account_key(tokens, key_file)
        env = _no_adc_env(tmp_path)
        env.update(GOOGLE_APPLICATION_CREDENTIALS=str(key_file), GOOGLE_CLOUD_PROJECT=PROJECT,
                   FAKE_BASE_URL=fake.base_url)
        output = run_pytest(sys.executable, project, env, "--record-mode=once", "-k", "record_with_adc")
        assert _outcomes(output) == {"test_record_with_adc": "PASSED"}, output
        assert tokens.issued and fake.chat_requests[0].token == tokens.issued[0]  # real ADC was used

    text = recorded.read_text(encoding="utf-8")
    key_material = json.loads(key_file.read_text())["private_key"].splitlines()[1]
    for leak in [*tokens.issued, PROJECT, SA_EMAIL, "authorization", "Bearer", "assertion", key_material]:
        assert leak not in text
    assert len(yaml.safe_load(text)["interactions"]) == 1  # the JWT-bearer token exchange was dropped
    assert "PROJECT_ID is owned by user@example.com" in text
    # Real ADC, but the answer came from a loopback server: the label says where the request went, not how.
    assert "constructed: recorded against a loopback fake at 127.0.0.1, not Vertex AI" in text
    assert "recorded: Vertex AI" not in text

    output = run_pytest(sys.executable, project, _no_adc_env(tmp_path), "-k", "record_with_adc")
    assert _outcomes(output) == {"test_record_with_adc": "PASSED"}, output
