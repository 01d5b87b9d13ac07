"""Helpers for the CLI tests: a loopback OAuth token endpoint, ADC files that use it, and a clean environment.

The command under test finds credentials exactly as it would for a user (an `authorized_user` ADC file,
the kind `gcloud auth application-default login` writes); only the file's `token_uri` points at a
loopback token endpoint here, which hands out a canary token the fake Vertex accepts.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vertex_openai.testing import FakeVertex

_SCRUBBED_PREFIXES = ("GOOGLE_", "GCLOUD_", "CLOUDSDK_", "OPENAI_", "GCE_", "VERTEX_OPENAI_", "GEMINI_")


@dataclass
class TokenEndpoint:
    """POST /token answers like oauth2.googleapis.com; `refuse` makes it answer invalid_grant."""

    fake: FakeVertex
    token: str = field(default_factory=lambda: f"canary-{secrets.token_hex(12)}")
    refuse: bool = False
    calls: int = 0
    url: str = ""


@contextmanager
def token_endpoint(fake: FakeVertex) -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(fake)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            endpoint.calls += 1
            if endpoint.refuse:
                status = 400
                body = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            else:
                endpoint.fake.accept_token(endpoint.token, 3600)
                status = 200
                body = {"access_token": endpoint.token, "expires_in": 3599, "token_type": "Bearer",
                                     "scope": "https://www.googleapis.com/auth/cloud-platform"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


_KEY_PEM: str | None = None


def _private_key_pem() -> str:
    """One RSA key per test session (google-auth needs a real key to sign the JWT it trades for a token)."""
    global _KEY_PEM
    if _KEY_PEM is None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _KEY_PEM = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
    return _KEY_PEM


def write_service_account_key(path: Path, token_uri: str, project_id: str | None = "fake-project",
                              email: str = "doctor-test@fake-project.iam.gserviceaccount.com") -> Path:
    """A service-account key file like the console's download, whose token_uri is the loopback endpoint."""
    info: dict[str, Any] = {
        "type": "service_account", "private_key_id": "0" * 40, "private_key": _private_key_pem(),
        "client_email": email, "client_id": "1" * 21, "token_uri": token_uri,
    }
    if project_id:
        info["project_id"] = project_id
    path.write_text(json.dumps(info))
    return path


def write_user_adc(path: Path, token_uri: str, quota_project: str | None = "quota-project") -> Path:
    info = {"type": "authorized_user", "client_id": "cli-test.apps.googleusercontent.com",
            "client_secret": "not-a-secret", "refresh_token": "not-a-refresh-token", "token_uri": token_uri}
    if quota_project:
        info["quota_project_id"] = quota_project
    path.write_text(json.dumps(info))
    return path


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released): connecting fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The process environment without Google/OpenAI settings, gcloud pointed at an empty config dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    config = home / "gcloud"
    config.mkdir(exist_ok=True)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        env.pop(name, None)
        env.pop(name.lower(), None)
    dead = f"127.0.0.1:{closed_port()}"
    # Anything not on loopback (oauth2.googleapis.com, Vertex) goes to a closed proxy port: fails at once, offline.
    env.update(CLOUDSDK_CONFIG=str(config), NO_GCE_CHECK="true", PYTHONIOENCODING="utf-8",
               GCE_METADATA_HOST=dead, GCE_METADATA_IP=dead, HTTPS_PROXY=f"http://{dead}",
               HTTP_PROXY=f"http://{dead}", NO_PROXY="127.0.0.1,localhost")
    env.update(extra)
    return env


def command() -> list[str]:
    """The installed console script of the interpreter running the tests (falls back to -m)."""
    script = Path(sys.executable).parent / "vertex-openai"
    if script.exists():
        return [str(script)]
    found = shutil.which("vertex-openai")
    return [found] if found else [sys.executable, "-m", "vertex_openai.cli"]


def run_cli(args: Sequence[str], env: dict[str, str], stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command(), *args], env=env, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_in_process(args: Sequence[str], env: dict[str, str], monkeypatch: Any, capsys: Any) -> Result:
    """`main(args)` in this process with `env` as the whole environment: fast, for the finer cases."""
    from vertex_openai.cli import main

    for name in list(os.environ):
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
