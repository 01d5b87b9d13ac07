"""What users import: one `__all__` per public module, every name in it importable, old paths deprecated."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

PUBLIC_MODULES = ["vertex_openai", "vertex_openai.gemini", "vertex_openai.structured", "vertex_openai.testing",
                  "vertex_openai.cli", "vertex_openai.responses", "vertex_openai.bulk"]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_is_listed_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(set(exported), key=exported.index), "no duplicates in __all__"
    for public in exported:
        assert getattr(module, public) is not None, f"{name}.{public}"
    assert module.__doc__, f"{name} says what it is for"


@pytest.mark.parametrize("old", ["extensions", "multimodal"])
def test_old_module_paths_warn_and_give_the_same_objects(old: str) -> None:
    sys.modules.pop(f"vertex_openai.{old}", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(f"vertex_openai.{old}")
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert messages == [f"vertex_openai.{old} is deprecated; import the same names from vertex_openai.gemini"]
    gemini = importlib.import_module("vertex_openai.gemini")
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is getattr(gemini, name)


def test_importing_the_package_does_not_import_deprecated_or_optional_modules() -> None:
    code = ("import sys, vertex_openai, vertex_openai.gemini, vertex_openai.structured, vertex_openai.testing;"
            "print(sorted(m for m in sys.modules if m in ('vertex_openai.extensions', 'vertex_openai.multimodal',"
            " 'vcr', 'pytest')))")
    out = subprocess.run([sys.executable, "-W", "error::DeprecationWarning:vertex_openai", "-c", code],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["vertex_openai", "vertex_openai.cli"])
def test_python_dash_m_runs_the_command(module: str) -> None:
    out = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("vertex-openai ")
