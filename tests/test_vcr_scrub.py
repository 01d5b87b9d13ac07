"""vcr_config(): what is dropped, what is scrubbed, and what requests match, checked on vcrpy's own objects."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from vcr.matchers import requests_match
from vcr.request import Request

from vertex_openai.testing import vcr_config

VERTEX = "https://us-central1-aiplatform.googleapis.com/v1/projects/acme-prod-4821/locations/us-central1"
CHAT = VERTEX + "/endpoints/openapi/chat/completions"


def _request(uri: str, body: Any = b"", headers: dict[str, str] | None = None) -> Request:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return Request("POST", uri, raw, headers or {"content-type": "application/json"})


def _response(body: bytes, headers: dict[str, list[str]] | None = None, status: int = 200) -> dict[str, Any]:
    return {"status": {"code": status, "message": "OK"}, "headers": headers or {}, "body": {"string": body}}


def _left_out(request: Any) -> bool:
    """Unbound, the kit replaces token traffic with a stand-in that matches nothing and is never saved."""
    return request is None or request.host == "token-traffic.vertex-openai.invalid"


def _matchers() -> list[Any]:
    from vcr.config import VCR

    return VCR()._get_matchers(vcr_config()["match_on"])


@pytest.mark.parametrize("uri", [
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://sts.googleapis.com/v1/token",
    "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com"
    ":generateAccessToken",
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token",
    "http://127.0.0.1:9/custom-token-uri",  # any host, when the request is a form post
])
def test_every_token_exchange_is_dropped(uri: str) -> None:
    hook = vcr_config()["before_record_request"]
    body = b"grant_type=refresh_token&refresh_token=1//0secret&client_secret=shh"
    assert _left_out(hook(_request(uri, body, {"content-type": "application/x-www-form-urlencoded"})))


@pytest.mark.parametrize("payload", [
    {"access_token": "ya29.secret", "expires_in": 3599, "token_type": "Bearer"},
    {"accessToken": "ya29.secret", "expireTime": "2026-01-01T00:00:00Z"},  # iamcredentials
    {"id_token": "eyJhbGciOi.secret"},
])
def test_any_response_carrying_a_token_is_dropped(payload: dict[str, Any]) -> None:
    hook = vcr_config()["before_record_response"]
    assert hook(_response(json.dumps(payload).encode())) is None


def test_credential_headers_are_dropped_and_only_content_headers_kept() -> None:
    headers = {
        "content-type": "application/json", "accept": "application/json", "authorization": "Bearer ya29.abc",
        "x-goog-user-project": "billing-proj-77", "x-goog-api-key": "AIza" + "x" * 35, "cookie": "SID=1",
        "user-agent": "OpenAI/Python 3.57.0", "x-stainless-os": "Linux",
    }
    request = vcr_config()["before_record_request"](_request(CHAT, {"model": "m"}, headers))
    assert sorted(k.lower() for k in request.headers) == ["accept", "content-type"]
    response = vcr_config()["before_record_response"](_response(b"{}", {
        "Content-Type": ["application/json"], "Set-Cookie": ["NID=secret"], "Server": ["ESF"],
        "Retry-After": ["7"], "X-Goog-Something": ["x"],
    }))
    assert sorted(response["headers"]) == ["Content-Type", "Retry-After"]


def test_urls_lose_project_location_api_key_and_project_numbers() -> None:
    hook = vcr_config()["before_record_request"]
    request = hook(_request(CHAT + "?key=AQ.Ab8Rsecret&alt=sse", {"model": "m"}))
    assert request.uri == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/PROJECT_ID/locations/LOCATION"
        "/endpoints/openapi/chat/completions?key=REDACTED&alt=sse"
    )
    dedicated = hook(_request(
        "https://1234.us-central1-987654321012.prediction.vertexai.goog/v1/projects/987654321012/locations/"
        "us-central1/endpoints/1234/chat/completions", {"model": "m"}))
    assert "987654321012" not in dedicated.uri
    assert dedicated.path == "/v1/projects/PROJECT_ID/locations/LOCATION/endpoints/1234/chat/completions"


def test_bodies_lose_project_ids_numbers_emails_and_tokens() -> None:
    config = vcr_config(secrets=["Acme Corp"])
    config["before_record_request"](_request(CHAT, {"model": "m"}))  # learns acme-prod-4821 from the URL
    text = json.dumps([{"error": {"code": 403, "message": (
        "Permission denied on '//aiplatform.googleapis.com/projects/acme-prod-4821/locations/global' for "
        "ci-bot@acme-prod-4821.iam.gserviceaccount.com; consumer projects/123456789012; project acme-prod-4821 "
        "of Acme Corp; token ya29.a0AfH6SMBsecret; refresh 1//0gLsecretsecret"), "status": "PERMISSION_DENIED"}}])
    scrubbed = config["before_record_response"](_response(text.encode(), status=403))["body"]["string"].decode()
    for secret in ("acme-prod-4821", "123456789012", "ci-bot", "ya29.", "1//0g", "Acme Corp"):
        assert secret not in scrubbed
    assert "projects/PROJECT_ID" in scrubbed and "user@example.com" in scrubbed and "REDACTED" in scrubbed
    # vcrpy runs the hooks again on loaded cassettes: scrubbing must be idempotent.
    again = config["before_record_response"](_response(scrubbed.encode()))["body"]["string"].decode()
    assert again == scrubbed


def test_short_words_are_not_mistaken_for_project_ids() -> None:
    config = vcr_config()
    config["before_record_request"](_request(VERTEX.replace("acme-prod-4821", "p1") + "/x", {"a": 1}))
    body = config["before_record_response"](_response(b'{"content": "p1 is fine"}'))["body"]["string"]
    assert body == b'{"content": "p1 is fine"}'


def test_gzip_bodies_are_stored_decoded() -> None:
    from vcr.config import VCR

    config = vcr_config()
    vcr = VCR(**config)
    hook = vcr._build_before_record_response(config)
    raw = json.dumps({"choices": [], "note": "mail me@corp.example"}).encode()
    stored = hook(_response(gzip.compress(raw), {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}))
    assert json.loads(stored["body"]["string"]) == {"choices": [], "note": "mail user@example.com"}
    assert "Content-Encoding" not in stored["headers"]


def test_matching_ignores_host_region_project_query_and_key_order() -> None:
    hook = vcr_config()["before_record_request"]
    recorded = hook(_request(CHAT, b'{"model": "google/gemini-2.5-flash", "messages": [{"role": "user"}]}'))
    replayed = hook(_request(
        "http://127.0.0.1:5555/v1/projects/other-project-1/locations/global/endpoints/openapi/chat/completions"
        "?alt=sse", b'{"messages":[{"role":"user"}],"model":"google/gemini-2.5-flash"}'))
    assert requests_match(replayed, recorded, _matchers())


@pytest.mark.parametrize("change", [
    lambda uri, body: (uri.replace("/v1/", "/v1beta1/"), body),
    lambda uri, body: (uri.replace("openapi", "1234"), body),
    lambda uri, body: (uri, body.replace(b"gemini-2.5-flash", b"gemini-2.5-pro")),
    lambda uri, body: (uri, body.replace(b'"user"', b'"system"')),
])
def test_matching_still_tells_different_requests_apart(change: Any) -> None:
    hook = vcr_config()["before_record_request"]
    body = b'{"model": "google/gemini-2.5-flash", "messages": [{"role": "user"}]}'
    recorded = hook(_request(CHAT, body))
    uri, other = change(CHAT, body)
    assert not requests_match(hook(_request(uri, other)), recorded, _matchers())


def test_user_hooks_run_after_ours_and_other_options_pass_through() -> None:
    seen: list[str] = []

    def mine(request: Any) -> Any:
        seen.append(request.uri)
        return request

    config = vcr_config(before_record_request=mine, record_mode="once", ignore_localhost=True)
    assert config["record_mode"] == "once" and config["ignore_localhost"] is True
    config["before_record_request"](_request(CHAT, {"model": "m"}))
    assert seen == [CHAT.replace("acme-prod-4821", "PROJECT_ID").replace("locations/us-central1", "locations/LOCATION")]
    assert _left_out(config["before_record_request"](_request("https://oauth2.googleapis.com/token", b"")))
    assert len(seen) == 1  # dropped before the user's hook could see the token request


def test_importing_the_testing_package_does_not_import_vcrpy() -> None:
    import subprocess
    import sys

    code = "import sys, vertex_openai.testing as t; t.vcr_config(); t.replay_credentials(); print('vcr' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
