"""The tested openai range is stated once (cli/_versions.py) and the Makefile, docs, README and doctor agree."""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest

from test_cli_support import run_cli
from vertex_openai.cli import _versions
from vertex_openai.cli._versions import TESTED_OPENAI, openai_check, parse_release
from vertex_openai.testing import FakeVertex

ROOT = Path(__file__).resolve().parents[1]


def _make_variable(name: str) -> list[str]:
    found = re.search(rf"^{name} \?= (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert found, f"the Makefile sets no {name}"
    return found[1].split()


def test_the_pinned_matrix_holds_the_oldest_tested_release_of_every_major() -> None:
    matrix = _make_variable("MATRIX")
    for major, (oldest, newest) in TESTED_OPENAI.items():
        assert oldest in matrix, f"openai {major}.x: the oldest tested release {oldest} is not in MATRIX"
        for pinned in matrix:
            release = parse_release(pinned)
            assert release is not None
            if release[0] == major:
                assert parse_release(oldest) <= release <= parse_release(newest), (pinned, oldest, newest)


def test_the_installed_openai_of_the_suite_is_in_the_tested_range() -> None:
    """Fails on a release newer than the table: run the suite, then move the range (and the docs) up to it."""
    release = parse_release(openai.__version__)
    assert release is not None
    oldest, newest = TESTED_OPENAI[release[0]]
    assert parse_release(oldest) <= release <= parse_release(newest), (
        f"openai {openai.__version__} is outside the tested range {oldest} to {newest}: if the suite passes on it, "
        "widen TESTED_OPENAI in src/vertex_openai/cli/_versions.py and the table in docs/configuration.md"
    )


def test_the_docs_table_states_each_range() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text[text.index("## Compatibility"):]
    for major, (oldest, newest) in TESTED_OPENAI.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| {major}.x |"))
        span = oldest if oldest == newest else f"{oldest} to {newest}"
        assert span in row, (row, span)


def test_the_python_versions_agree_everywhere() -> None:
    others = _make_variable("PYTHONS")
    tested = sorted([*others, "3.11"], key=lambda v: tuple(map(int, v.split("."))))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on Python 3.10
    classifiers = set(re.findall(r'"Programming Language :: Python :: (3\.\d+)"', pyproject))
    assert classifiers == set(tested)
    assert f'requires-python = ">={tested[0]}"' in pyproject
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {', '.join(tested[:-1])} and {tested[-1]}" in readme
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"**Python** {', '.join(tested[:-1])} and {tested[-1]}" in docs


@pytest.mark.parametrize(
    ("installed", "status", "words"),
    [
        ("3.63.0", "ok", "in the tested range for openai 3.x (3.57.0 to 3.63.0)"),
        ("1.92.0", "ok", "in the tested range for openai 1.x (1.92.0 to 1.109.1)"),
        ("2.54.0", "ok", "in the tested range for openai 2.x (2.54.0)"),
        ("3.99.1", "warn", "newer than the newest tested 3.x release (3.57.0 to 3.63.0)"),
        ("3.10.0", "warn", "older than the oldest tested 3.x release"),
        ("4.0.0", "warn", "openai 4.x is not supported; tested majors: 1.x, 2.x, 3.x"),
        ("3.64.0rc1", "warn", "not a plain release number"),
    ],
)
def test_doctor_says_whether_the_installed_openai_was_tested(
    monkeypatch: pytest.MonkeyPatch, installed: str, status: str, words: str
) -> None:
    monkeypatch.setattr(_versions, "TESTED_OPENAI", {1: ("1.92.0", "1.109.1"), 2: ("2.54.0", "2.54.0"),
                                                     3: ("3.57.0", "3.63.0")})
    monkeypatch.setattr(_versions, "_installed", lambda name: installed if name == "openai" else "2.17.0")
    check = openai_check()
    assert check.name == f"openai {installed}"
    assert check.status == status
    assert words in check.detail
    assert "httpx 2.17.0, httpx2 2.17.0" in check.detail
    if status == "warn":
        assert check.fix and "pip install" in check.fix


def test_doctor_prints_the_installed_openai_line(fake: FakeVertex, tmp_path: Path) -> None:
    from test_cli_support import clean_env

    result = run_cli(["doctor", "--base-url", fake.base_url], clean_env(tmp_path))
    line = next(line for line in result.stdout.splitlines() if line[2:].startswith(f"openai {openai.__version__}:"))
    assert line.startswith("✓ ") and "in the tested range" in line
