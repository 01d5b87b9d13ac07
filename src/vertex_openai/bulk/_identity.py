"""What an output file belongs to: the identity of the run that writes it, and the check that it is not the input.

The identity (model, schema, prompt, system, request options) is recorded beside the output and compared on
resume (`_output.ResultWriter`); it is plain JSON, so other bulk commands can record their own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._items import BulkInputError, Prompt

__all__ = ["check_output_is_not_input", "run_identity"]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _name_of(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def run_identity(*, prompt: Prompt, response_format: Any, model: str, system: str | None,
                 request_options: Mapping[str, Any] | None) -> dict[str, Any]:
    """What shapes an extract run's lines, as recorded beside the output and compared on resume.

    Texts are kept as digests (the record must not copy a prompt that may hold data); a callable prompt is
    known by its qualified name only, so a changed body of the same function is not noticed.
    """
    if isinstance(response_format, Mapping):
        schema = f"JSON schema {_digest(response_format)}"
    else:
        produce = getattr(response_format, "model_json_schema", None)
        schema = f"{_name_of(response_format)} (schema {_digest(produce() if callable(produce) else None)})"
    return {
        "kind": "extract",
        "model": model,
        "response_format": schema,
        "prompt": f"template {_digest(prompt)}" if isinstance(prompt, str) else f"callable {_name_of(prompt)}",
        "system": None if system is None else f"text {_digest(system)}",
        "request_options": _digest(dict(request_options or {})),
    }


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output_is_not_input(items: Any, output: str | os.PathLike[str]) -> None:
    """BulkInputError when the output is the input file itself (any path to it) or lies inside an input folder."""
    if not isinstance(items, (str, os.PathLike)):
        return
    try:
        source = os.stat(items)
    except OSError:
        return  # reading the input reports it
    out = Path(output)
    try:
        if _same_file(source, os.stat(out)):
            raise BulkInputError(
                f"{out} is the same file as the input {items}: results would be appended to the items; "
                "choose another output"
            )
    except FileNotFoundError:
        pass
    if Path(items).is_dir():
        folder = Path(os.path.realpath(items))
        where = Path(os.path.realpath(out.parent))
        if where == folder or folder in where.parents:
            raise BulkInputError(
                f"{out} is inside the input folder {items}: it would be read as an item by the next run; "
                "write the output outside the folder"
            )
