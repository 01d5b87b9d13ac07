"""The plugin as users get it: build the wheel, install it into a fresh virtualenv, run an external project.

To stay fast and offline the venv has no pip and gets its dependencies (openai, google-auth, pytest, ...)
from this environment's site-packages through a `.pth` file; only vertex-openai itself comes from the wheel
(`pip install --no-deps --target`). A second run hides vcrpy and pytest-recording to show the plugin is
inert without them.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from test_cassette_plugin import _no_adc_env, _outcomes, _project, run_pytest

# Building the wheel once is enough: the matrix, newest and Python jobs skip it.
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = ("vcr", "vcrpy", "pytest_recording", "pytest-recording", "vertex_openai", "_editable_impl_vertex_openai",
          "__editable__")

INSTALLED_CHECK = '''
import os

import vertex_openai


def test_vertex_openai_comes_from_the_wheel():
    assert vertex_openai.__file__.startswith(os.environ["WHEEL_SITE"]), vertex_openai.__file__
'''

INERT_CHECK = '''
def test_plain_tests_still_run(request):
    assert request.config.pluginmanager.get_plugin("vertex_openai") is not None  # loaded, but inert
    assert "vertex_client" not in request.fixturenames
'''


def _deps_dir(tmp_path: Path, hide: tuple[str, ...]) -> Path:
    """This environment's site-packages as symlinks, minus `hide` (and always minus vertex-openai itself)."""
    source = Path(sysconfig.get_paths()["purelib"])
    target = tmp_path / ("deps-" + str(len(hide)))
    target.mkdir()
    for entry in source.iterdir():
        stem = entry.name.split("-")[0].split(".")[0].lower()
        if stem in hide or entry.name.endswith(".pth"):
            continue
        (target / entry.name).symlink_to(entry)
    return target


def test_plugin_from_the_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=180)
    if built.returncode != 0 and "hatchling" in built.stdout + built.stderr and "Could not" in built.stderr:
        pytest.skip(f"cannot fetch the build backend (offline?): {built.stderr[-300:]}")
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("vertex_openai-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = str(venv / "bin" / "python")
    wheel_site = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"],
                                capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                    wheel_site, str(wheel)], check=True, timeout=120)
    pth = Path(wheel_site) / "_outer_deps.pth"

    project = _project(tmp_path)
    (project / "test_installed.py").write_text(INSTALLED_CHECK, encoding="utf-8")
    env = {**_no_adc_env(tmp_path), "WHEEL_SITE": wheel_site}

    pth.write_text(str(_deps_dir(tmp_path, HIDDEN[4:])) + "\n", encoding="utf-8")
    output = run_pytest(python, project, env, "-k", "answer or async or from_the_wheel")
    assert _outcomes(output) == {
        "test_answer": "PASSED", "test_async": "PASSED", "test_vertex_openai_comes_from_the_wheel": "PASSED",
    }, output

    pth.write_text(str(_deps_dir(tmp_path, HIDDEN)) + "\n", encoding="utf-8")
    inert = tmp_path / "inert"
    inert.mkdir()
    (inert / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (inert / "test_plain.py").write_text(INERT_CHECK, encoding="utf-8")
    output = run_pytest(python, inert, env)
    assert _outcomes(output) == {"test_plain_tests_still_run": "PASSED"}, output
    probe = subprocess.run([python, "-c", "import vcr"], capture_output=True, text=True, env=env)
    assert probe.returncode != 0, "vcrpy should be hidden in the inert run"
