"""Recording cassettes with no Google account: `pytest --vertex-fake --record-mode=once`, then plain replay.

A small external test project runs in a subprocess with no ADC anywhere. Under `--vertex-fake` the plugin's
clients, and a client the user's own code builds, talk to a loopback fake; the cassettes it writes are stamped
as constructed; the same tests then replay from them with no option at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from test_cassette_plugin import _no_adc_env, _outcomes, run_pytest

USER_TESTS = '''
import json

from vertex_openai import vertex_openai_client
from vertex_openai.testing import Reply

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def test_tool_loop(vertex_client, vertex_fake):
    if vertex_fake is not None:  # recording against the fake: script the model's two turns
        vertex_fake.play(
            Reply(content=None, tool_calls=[{"id": "", "type": "function", "function": {
                "name": "get_weather", "arguments": json.dumps({"city": "Paris"})}}]),
            Reply(content="It is 21 degrees in Paris."),
        )
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = vertex_client.chat.completions.create(model="gemini-2.5-flash", messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "21"}]
    final = vertex_client.chat.completions.create(model="gemini-2.5-flash", messages=messages, tools=[WEATHER])
    assert final.choices[0].message.content == "It is 21 degrees in Paris."


def test_own_client(vertex_credentials):
    client = vertex_openai_client()  # as the user's code would build it
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "You said: hi"


def test_changed(vertex_client):
    vertex_client.chat.completions.create(model="gemini-2.5-flash",
                                          messages=[{"role": "user", "content": "a request never recorded"}])
'''


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "userproject"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "test_user.py").write_text(USER_TESTS, encoding="utf-8")
    return project


def test_record_against_the_fake_then_replay_with_no_option(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _no_adc_env(tmp_path)
    output = run_pytest(sys.executable, project, env, "--vertex-fake", "--record-mode=once",
                        "-k", "tool_loop or own_client")
    assert _outcomes(output) == {"test_tool_loop": "PASSED", "test_own_client": "PASSED"}, output

    cassettes = project / "cassettes" / "test_user"
    for name, interactions in (("test_tool_loop", 2), ("test_own_client", 1)):
        text = (cassettes / f"{name}.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        assert len(data["interactions"]) == interactions
        for interaction in data["interactions"]:
            assert interaction["response"]["headers"]["x-vertex-openai-provenance"] == [
                "constructed: recorded against a loopback fake at 127.0.0.1, not Vertex AI"]
        assert "vertex-fake-record" not in text and "fake-token" not in text and "authorization" not in text

    output = run_pytest(sys.executable, project, env, "-k", "tool_loop or own_client")
    assert _outcomes(output) == {"test_tool_loop": "PASSED", "test_own_client": "PASSED"}, output


def test_a_request_missing_from_the_cassette_says_what_to_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = _no_adc_env(tmp_path)
    cassettes = project / "cassettes" / "test_user"
    cassettes.mkdir(parents=True)
    recorded = run_pytest(sys.executable, project, env, "--vertex-fake", "--record-mode=once", "-k", "own_client")
    assert _outcomes(recorded) == {"test_own_client": "PASSED"}, recorded
    (cassettes / "test_changed.yaml").write_text((cassettes / "test_own_client.yaml").read_text())

    output = run_pytest(sys.executable, project, env, "-k", "changed")
    assert _outcomes(output) == {"test_changed": "FAILED"}, output
    how_to_fix = output.index("How to fix:")
    ours = output.index("To record it with vertex-openai's plugin")
    assert how_to_fix < ours, "our instruction comes after vcrpy's own advice"
    assert "`pytest --record-mode=once test_user.py::test_changed`" in output[ours:]
    assert "--vertex-fake" in output[ours:]


def test_fake_mode_exported_without_the_option_is_still_labelled_constructed(tmp_path: Path) -> None:
    """`serve`'s two export lines and plain `--record-mode=once`: the answers came from the fake, so says the label."""
    from vertex_openai._fake_mode import FAKE_BASE_URL_ENV, FAKE_TOKEN_ENV
    from vertex_openai.testing import FakeVertex

    project = _project(tmp_path)
    env = _no_adc_env(tmp_path)
    with FakeVertex() as fake:
        fake.accept_token("exported-fake-token")
        env.update({FAKE_BASE_URL_ENV: fake.base_url, FAKE_TOKEN_ENV: "exported-fake-token"})
        output = run_pytest(sys.executable, project, env, "--record-mode=once", "-k", "own_client")
    assert _outcomes(output) == {"test_own_client": "PASSED"}, output
    data = yaml.safe_load((project / "cassettes" / "test_user" / "test_own_client.yaml").read_text(encoding="utf-8"))
    (interaction,) = data["interactions"]
    label = interaction["response"]["headers"]["x-vertex-openai-provenance"]
    assert label == ["constructed: recorded against a loopback fake at 127.0.0.1, not Vertex AI"]
