"""Progress display: a tqdm bar or a rewritten line on a terminal, plain lines (never redraws) otherwise."""

from __future__ import annotations

import builtins
import io
from typing import Any

import pytest

from vertex_openai.bulk import ExtractSummary, format_summary
from vertex_openai.bulk._progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_no_redraws_and_a_periodic_plain_line() -> None:
    stream = io.StringIO()
    progress = Progress(10, stream=stream, log_every=0.0)
    for _ in range(3):
        progress.advance(ok=True, tokens=7)
    progress.advance(ok=False)
    progress.close()
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert text.splitlines()[-1].startswith("4/10 done (1 failed)") and "21 tokens" in text


def test_a_terminal_without_tqdm_gets_one_rewritten_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_tqdm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tqdm":
            raise ImportError("tqdm is not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    stream = _Terminal()
    progress = Progress(5, stream=stream, min_redraw=0.0)
    progress.advance(ok=True)
    progress.advance(ok=True)
    progress.close()
    text = stream.getvalue()
    assert text.count("\r\x1b[2K") == 2 and text.endswith("\n") and "2/5 done" in text


def test_a_terminal_with_tqdm_gets_a_bar() -> None:
    pytest.importorskip("tqdm")
    stream = _Terminal()
    progress = Progress(4, stream=stream, min_redraw=0.0)
    for _ in range(4):
        progress.advance(ok=True, tokens=3)
    progress.close()
    assert "4/4" in stream.getvalue() and "tokens=12" in stream.getvalue()


def test_disabled_progress_still_counts() -> None:
    stream = io.StringIO()
    progress = Progress(None, stream=stream, enabled=False)
    progress.advance(ok=True, tokens=5)
    progress.show(done=3, failed=1)
    assert (progress.done, progress.failed, progress.tokens) == (3, 1, 5) and stream.getvalue() == ""


def test_summary_names_failures_missing_rows_and_detached_jobs() -> None:
    summary = ExtractSummary(output="out.jsonl", succeeded=5, failed=2, skipped=1, prompt_tokens=100,
                             completion_tokens=20, elapsed=1.5, cost=0.0123, missing=3, detached=True,
                             jobs=["projects/p/locations/l/batchPredictionJobs/1"])
    text = format_summary(summary)
    assert text.startswith("5 succeeded, 2 failed, 1 already done in 1.5 s (100 prompt + 20 completion tokens)")
    assert "estimated cost: $0.0123" in text and '"ok": false' in text and "3 item(s) got no answer" in text
    assert "batchPredictionJobs/1" in text and not summary.ok


def test_a_batch_status_is_drawn_at_once_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch job that ends within the redraw interval still shows its status (it used to show nothing)."""
    real_import = builtins.__import__

    def no_tqdm(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tqdm":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    terminal = _Terminal()
    progress = Progress(30, stream=terminal, min_redraw=60.0)
    progress.show(30, 0, note=" (1/1 jobs finished)")
    progress.close()
    assert "30/30 done (0 failed)" in terminal.getvalue()
    assert "(1/1 jobs finished)" in terminal.getvalue()
