"""Every "no Google credentials" message offers the way on without a Google account, in one line.

The library's `VertexAuthError`, `vertex-openai chat`, `vertex-openai doctor`, and recording a cassette without
`--vertex-fake` all name the loopback fake (`serve`, `--fake`, `--vertex-fake`) next to the gcloud advice.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from test_cassette_fake_record import _project
from test_cassette_plugin import _no_adc_env, _outcomes, run_pytest
from test_cli_support import clean_env, run_cli, run_in_process
from vertex_openai import VertexAuthError, vertex_openai_client
from vertex_openai.testing import FakeVertex


def _no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.delenv("VERTEX_OPENAI_FAKE_BASE_URL", raising=False)
    monkeypatch.delenv("VERTEX_OPENAI_FAKE_TOKEN", raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "true")


def test_the_clients_no_credentials_error_names_the_fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _no_credentials(monkeypatch, tmp_path)
    with FakeVertex() as fake, pytest.raises(VertexAuthError) as info:
        client = vertex_openai_client("my-project", base_url=fake.base_url, max_retries=0)
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    message = str(info.value)
    assert "No Google credentials found" in message
    assert "gcloud auth application-default login" in message
    assert "python -m vertex_openai.testing serve" in message and "--vertex-fake" in message
    assert "\n" not in message


def test_chat_without_credentials_offers_chat_fake(tmp_path: Path) -> None:
    result = run_cli(["chat", "hi", "--project", "my-project"], clean_env(tmp_path))

    assert result.returncode == 1
    assert "No Google credentials found" in result.stderr
    assert 'vertex-openai chat --fake "Hello"' in result.stderr or "vertex-openai chat --fake" in result.stderr


def test_doctor_without_credentials_offers_the_fake_on_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_in_process(["doctor", "--project", "my-project"], clean_env(tmp_path), monkeypatch, capsys)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith("✗ credentials:")]
    assert lines[at + 1].startswith("    → fix: Run `gcloud auth application-default login`")
    offline = lines[at + 2]
    assert offline.startswith("    → No Google account at hand?")
    assert "vertex-openai doctor --fake" in offline and "python -m vertex_openai.testing serve" in offline


def test_recording_without_credentials_says_to_add_vertex_fake(tmp_path: Path) -> None:
    project = _project(tmp_path)
    output = run_pytest(sys.executable, project, _no_adc_env(tmp_path), "--record-mode=once",
                        "-k", "own_client or tool_loop")

    assert _outcomes(output) == {"test_own_client": "FAILED", "test_tool_loop": "ERROR"}, output
    assert output.count("--vertex-fake --record-mode=once") >= 2, output
    assert "pytest --vertex-fake --record-mode=once test_user.py::test_own_client" in output
    assert "pytest --vertex-fake --record-mode=once test_user.py::test_tool_loop" in output
