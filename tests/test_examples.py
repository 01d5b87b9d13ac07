"""Every example runs offline against the loopback fake and prints what a user would see."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {
    "audio_gcs.py": ['"format": "audio/mpeg"', "gs://cloud-samples-data/generative-ai/audio/pixel.mp3"],
    "cached_content.py": ['"cached_content": "projects/fake-project/locations/us-central1/cachedContents/123"'],
    "chat_non_stream.py": ["outstanding in his field", '"model": "google/gemini-2.5-flash"'],
    "chat_stream.py": ["server-sent events.", "final: Second answer."],
    "deployed_endpoint.py": ["Rayleigh scattering.", "Shorter wavelengths scatter more."],
    "extra_body_sdk.py": ['"top_k": 3', '"media_resolution": "MEDIA_RESOLUTION_LOW"'],
    "extra_content_message.py": ['"thought": true'],
    "extra_content_part.py": ['"thought": true', "scones.jpg"],
    "extra_content_tool_call.py": ['"thought_signature": "skip_thought_signature_validator"'],
    "image_gcs.py": ['"url": "gs://cloud-samples-data/generative-ai/image/scones.jpg"'],
    "safety_settings.py": ['"threshold": "BLOCK_LOW_AND_ABOVE"', "stop -> Here is a friendly poem."],
    "structured_output.py": ["CalendarEvent(name=", '"json_schema"'],
    "text_image.py": ['"url": "data:image/png;base64,iVBORw0KGgo'],
    "thinking.py": ["thoughts: Count the letters", "answer: Seven.",
                    "streamed thoughts: Checking again. | answer: Yes."],
    "tool_calling_thought_signatures.py": ["It is 21°C and clear in Paris.",
                                           '"thought_signature": "CrICAdHtim827fQ=="'],
}


ALL = sorted(p.name for p in EXAMPLES.glob("[a-z]*.py"))


def test_the_gemini_examples_exist() -> None:
    assert set(EXPECTED) <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_example_runs_offline(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("VERTEX_LIVE", raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.delitem(sys.modules, "_common", raising=False)
    try:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    except SystemExit as done:  # scripts may end with sys.exit(main())
        assert done.code in (0, None), f"{name} exited with {done.code}"
    out = capsys.readouterr().out
    for text in EXPECTED.get(name, []):
        assert text in out, f"{name}: {text!r} not in output:\n{out}"
