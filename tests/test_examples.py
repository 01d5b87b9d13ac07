"""Every example replays its cassette (the default offline mode), prints what a user would see, plays it all.

Examples run in-process (`runpy`, as `__main__`) for speed. Besides the example's own check, each replay
here counts the interactions played against the cassette file, and the files are compared with what
`cassettes/construct_examples.py` builds from today's code: a change to what a feature sends shows up as a
failure naming that feature's cassette.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from vertex_openai.testing import _vcr

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASSETTES = ROOT / "cassettes" / "examples"
ENVIRONMENT = ("VERTEX_LIVE", "VERTEX_EXAMPLES_MODE", "VERTEX_MODEL", "VERTEX_ENDPOINT_ID",
               "VERTEX_CACHED_CONTENT", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION")

# What each example prints when it replays its cassette: the constructed answers, and the wire body.
REPLAYED = {
    "audio_gcs": ['"format": "audio/mpeg"', "gs://cloud-samples-data/generative-ai/audio/pixel.mp3",
                  "A Pixel podcast episode about new phone features."],
    "cached_content": ['"cached_content": "projects/PROJECT_ID/locations/us-central1/cachedContents/123"',
                       "The cached paper introduces the Transformer"],
    "chat_non_stream": ["Because he was outstanding in his field.", '"model": "google/gemini-2.5-flash"'],
    "chat_stream": ["Vertex AI streams answers as server-sent events: one `data:` line per chunk.\n",
                    "final: Again: chunk by chunk, no [DONE] line."],
    "deployed_endpoint": ["Rayleigh scattering: air molecules scatter blue light",
                          "\nShorter wavelengths scatter more.\n", '"content": "Why is the sky blue?"'],
    "extra_body_sdk": ['"top_k": 3', '"media_resolution": "MEDIA_RESOLUTION_LOW"', '"thinking_budget": 0',
                       "\nHello!\n"],
    "extra_content_message": ['"thought": true', "Noted: one day in Paris"],
    "extra_content_part": ['"thought": true', "scones.jpg", "A plate of blueberry scones"],
    "extra_content_tool_call": ['"thought_signature": "skip_thought_signature_validator"', "It is 21°C in Paris."],
    "image_gcs": ['"url": "gs://cloud-samples-data/generative-ai/image/scones.jpg"',
                  "Blueberry scones, a cup of coffee and pink peonies"],
    "safety_settings": ['"threshold": "BLOCK_LOW_AND_ABOVE"',
                        "stop -> Here is a friendly poem: the sun says hello to the sea.", "content_filter -> None"],
    "structured_output": ["CalendarEvent(name='Science Fair', date='Friday', participants=['Alice', 'Bob'])",
                          '"type": "json_schema"'],
    "text_image": ['"url": "data:image/png;base64,iVBORw0KGgo', "A single white pixel"],
    "thinking": ["thoughts: Count the letters: l-e-t-t-e-r-s is seven.", "answer: Seven.",
                 "streamed thoughts: Checking again: still seven. | answer: Yes."],
    "tool_calling_thought_signatures": ["It is 21°C and clear in Paris.", '"thought_signature": "CrICAdHtim827fQ=="',
                                        '"tool_call_id": ""'],
}
# What must not show: a deployed endpoint gets no `model`, thought tags never reach the answer.
ABSENT = {"deployed_endpoint": ['"model"'], "thinking": ["<think>", "</think>"]}
# Requests per example, as the feature needs them (normal + stream, tool call + answer, allowed + blocked).
INTERACTIONS = {"chat_stream": 2, "deployed_endpoint": 2, "thinking": 2, "tool_calling_thought_signatures": 2,
                "safety_settings": 2}
# The same scripts on the loopback fake (VERTEX_EXAMPLES_MODE=fake) answer with the scripted `Reply`s.
FAKED = {
    "audio_gcs": ['"format": "audio/mpeg"', "A podcast episode about Pixel features."],
    "cached_content": ['"cached_content": "projects/PROJECT_ID/locations/us-central1/cachedContents/123"'],
    "chat_non_stream": ["outstanding in his field", '"model": "google/gemini-2.5-flash"'],
    "chat_stream": ["server-sent events.", "final: Second answer."],
    "deployed_endpoint": ["Rayleigh scattering.", "Shorter wavelengths scatter more."],
    "extra_body_sdk": ['"top_k": 3', '"media_resolution": "MEDIA_RESOLUTION_LOW"'],
    "extra_content_message": ['"thought": true', "Noted."],
    "extra_content_part": ['"thought": true', "scones.jpg"],
    "extra_content_tool_call": ['"thought_signature": "skip_thought_signature_validator"'],
    "image_gcs": ['"url": "gs://cloud-samples-data/generative-ai/image/scones.jpg"'],
    "safety_settings": ["stop -> Here is a friendly poem.", "content_filter -> None"],
    "structured_output": ["CalendarEvent(name=", '"json_schema"'],
    "text_image": ['"url": "data:image/png;base64,iVBORw0KGgo', "A single pixel."],
    "thinking": ["thoughts: Count the letters", "answer: Seven.", "streamed thoughts: Checking again. | answer: Yes."],
    "tool_calling_thought_signatures": ["It is 21°C and clear in Paris.", '"thought_signature": "CrICAdHtim827fQ=="'],
}

NAMES = sorted(p.stem for p in EXAMPLES.glob("[a-z]*.py") if p.stem != "replay_cassettes")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No live settings leak in from the shell; `_common` is imported afresh (it reads the mode at import)."""
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.delitem(sys.modules, "_common", raising=False)
    yield monkeypatch
    sys.modules.pop("_common", None)


@pytest.fixture
def played(offline: pytest.MonkeyPatch) -> list[Any]:
    """Every cassette an example opens, kept for the test to inspect after the example is done."""
    cassettes: list[Any] = []
    real = _vcr.use_cassette

    @contextmanager
    def spy(path: Any, **kwargs: Any) -> Iterator[Any]:
        with real(path, **kwargs) as cassette:
            cassettes.append(cassette)
            yield cassette

    offline.setattr(_vcr, "use_cassette", spy)
    return cassettes


def _run(script: Path) -> None:
    runpy.run_path(str(script), run_name="__main__")


def _interactions(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"])


def test_every_example_has_a_cassette_and_expectations() -> None:
    assert NAMES == sorted(p.stem for p in CASSETTES.glob("*.yaml")) == sorted(REPLAYED) == sorted(FAKED)


@pytest.mark.parametrize("name", NAMES)
def test_example_replays_its_cassette(name: str, played: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    _run(EXAMPLES / f"{name}.py")
    out = capsys.readouterr().out
    for text in REPLAYED[name]:
        assert text in out, f"{name}: {text!r} not in output:\n{out}"
    for text in ABSENT.get(name, []):
        assert text not in out, f"{name}: {text!r} should not be in output:\n{out}"
    [cassette] = played
    recorded = _interactions(CASSETTES / f"{name}.yaml")
    assert len(recorded) == INTERACTIONS.get(name, 1)
    assert cassette.all_played and cassette.play_count == len(recorded)
    assert Path(cassette._path) == CASSETTES / f"{name}.yaml"


@pytest.mark.parametrize("name", sorted(FAKED))
def test_example_still_runs_on_the_fake(name: str, offline: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    offline.setenv("VERTEX_EXAMPLES_MODE", "fake")
    _run(EXAMPLES / f"{name}.py")
    out = capsys.readouterr().out
    for text in FAKED[name]:
        assert text in out, f"{name}: {text!r} not in output:\n{out}"


def _copy(tmp_path: Path, name: str, edit: Any) -> Path:
    """The example under its own name (so it finds its cassette), with its code edited."""
    script = tmp_path / f"{name}.py"
    script.write_text(edit((EXAMPLES / f"{name}.py").read_text(encoding="utf-8")), encoding="utf-8")
    return script


def test_a_changed_request_fails_naming_the_cassette_and_the_difference(offline: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    script = _copy(tmp_path, "chat_non_stream", lambda code: code.replace("a short joke", "a long joke"))
    with pytest.raises(RuntimeError) as caught:
        _run(script)
    assert type(caught.value).__name__ == "CassetteMismatch"
    message = str(caught.value)
    assert "chat_non_stream.yaml" in message and "a long joke" in message and "a short joke" in message
    assert "cassettes/construct_examples.py chat_non_stream" in message


def test_a_request_no_longer_made_fails_the_example(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stream_turn = "\n    with ex.client.chat.completions.stream"
    script = _copy(tmp_path, "thinking", lambda code: code[: code.index(stream_turn)])
    with pytest.raises(RuntimeError) as caught:
        _run(script)
    assert type(caught.value).__name__ == "CassetteMismatch"
    assert "thinking.yaml has 1 interaction(s)" in str(caught.value)
    assert "construct_examples.py thinking" in str(caught.value)


def test_an_unknown_mode_is_refused_with_the_choices(offline: pytest.MonkeyPatch) -> None:
    offline.setenv("VERTEX_EXAMPLES_MODE", "record")
    with pytest.raises(SystemExit) as caught:
        _run(EXAMPLES / "chat_non_stream.py")
    assert "'record' is not a mode" in str(caught.value) and "replay, fake" in str(caught.value)


def test_cassettes_are_what_construct_examples_builds_today(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Same requests (as JSON), URLs and byte-identical answers: no file was edited by hand or left stale."""
    try:
        script = runpy.run_path(str(ROOT / "cassettes" / "construct_examples.py"), run_name="construct_examples")
        counts = script["build"]([], tmp_path, quiet=True)
    finally:
        sys.modules.pop("construct", None)  # cassettes/construct.py, imported by name (sys.path is restored)
    assert sorted(counts) == NAMES
    for name in NAMES:
        built, committed = _interactions(tmp_path / f"{name}.yaml"), _interactions(CASSETTES / f"{name}.yaml")
        assert len(built) == len(committed) == counts[name], name
        for new, old in zip(built, committed, strict=True):
            assert new["request"]["uri"] == old["request"]["uri"], name
            assert json.loads(new["request"]["body"]) == json.loads(old["request"]["body"]), name
            assert new["response"] == old["response"], name
            assert "authorization" not in {h.lower() for h in old["request"]["headers"]}, name


def test_demo_transcript_points_at_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert runpy.run_path(str(EXAMPLES / "replay_cassettes.py"))["main"]() == 0
    out = capsys.readouterr().out
    assert f"examples/: {len(NAMES)} more, each replayed by its own script" in out
    assert "could not replay" not in out
