"""Items in, chat messages out: JSONL / CSV / folder inputs, ids, and prompt templates.

An item is a dict (or a pydantic object) with an id. A prompt is either a template string whose
`{field}` placeholders are filled from the item (`str.format` rules: write `{{` for a literal brace),
or a callable that turns the item into a prompt string or a full `messages` list. Media travel in one
item field (`media_field`): a `gs://` URI, an https URL, a local path, bytes, a ready-made content
part, or a list of these; they become content parts through our multimodal builders when the item is
sent, so local files are read one item at a time, never all at once.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..gemini import file_part, text_part

__all__ = [
    "BulkInputError",
    "Item",
    "Prompt",
    "count_and_check_ids",
    "iter_items",
    "messages_for",
    "template_fields",
]

Prompt = str | Callable[[dict[str, Any]], str | Sequence[Mapping[str, Any]]]
_FOLDER_SKIP = (".", "_")


class BulkInputError(ValueError):
    """The input cannot be run as given: a bad file, a missing or duplicate id, a template field an item lacks."""


@dataclass(frozen=True)
class Item:
    """One unit of work: its id, its fields, and where it came from (for error messages)."""

    id: str
    fields: dict[str, Any]
    where: str
    media: list[Any] = field(default_factory=list)


def _as_dict(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        dumped = dump()
        if isinstance(dumped, Mapping):
            return dict(dumped)
    raise BulkInputError(f"{where}: an item must be a dict or a pydantic object, got {type(value).__name__}")


def _id_of(fields: Mapping[str, Any], id_field: str, where: str) -> str:
    if id_field not in fields:
        known = ", ".join(sorted(map(str, fields))[:8]) or "none"
        raise BulkInputError(
            f"{where}: no {id_field!r} field to use as the item id (fields: {known}); "
            "name the id column with id_field= / --id-field"
        )
    value = fields[id_field]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BulkInputError(f"{where}: the id {id_field!r} must be a string or an integer, got {value!r}")
    text = str(value)
    if not text.strip():
        raise BulkInputError(f"{where}: the id {id_field!r} is empty")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (e.g. from a "\ud800" JSON escape) cannot be written out
            raise BulkInputError(f"{where}: the id {id_field!r} ({text!r}) holds a lone surrogate, which is not "
                                 "text UTF-8 can encode; fix the id in the input") from None
    return text


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 file (a leading BOM is dropped, as Excel's "CSV UTF-8" writes one); an
    encoding problem is a BulkInputError naming the file and the line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1:
                if raw.startswith(_UTF16_BOMS):
                    raise BulkInputError(
                        f"{path}: the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as "
                        "UTF-8 (e.g. Excel: CSV UTF-8; iconv -f UTF-16 -t UTF-8)"
                    )
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise BulkInputError(
                    f"{path}:{number}: not UTF-8 text (byte 0x{raw[err.start]:02x} at column {err.start + 1}); "
                    "save the file as UTF-8"
                ) from None


def _jsonl_rows(path: Path) -> Iterator[tuple[str, Any]]:
    for number, line in _text_lines(path):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", json.loads(line)
        except json.JSONDecodeError as err:
            raise BulkInputError(f"{path}:{number}: not a JSON line ({err.msg})") from None


def _csv_rows(path: Path) -> Iterator[tuple[str, Any]]:
    numbered = _text_lines(path)
    current = [0]

    def lines() -> Iterator[str]:
        for number, line in numbered:
            current[0] = number
            yield line

    reader = csv.reader(lines())
    header = next(reader, None)
    if not header:
        raise BulkInputError(f"{path}: the CSV file has no header row")
    for row in reader:
        where = f"{path}:{current[0]}"
        if not row:
            continue
        if len(row) != len(header):
            what = "fewer" if len(row) < len(header) else "more"
            raise BulkInputError(
                f"{where}: the row has {len(row)} field(s), {what} than the header's {len(header)} "
                f"({', '.join(header[:8])}); quote fields that hold commas or line breaks"
            )
        yield where, dict(zip(header, row, strict=True))


def _inside(path: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == folder or folder in real.parents


def _folder_rows(path: Path, follow_links: bool) -> Iterator[tuple[str, Any]]:
    root = Path(os.path.realpath(path))
    files = []
    for directory, dirs, names in os.walk(path, followlinks=follow_links):
        here = Path(directory)
        dirs[:] = sorted(d for d in dirs if not d.startswith(_FOLDER_SKIP))
        for name in names:
            file = here / name
            if name.startswith(_FOLDER_SKIP) or not file.is_file():
                continue
            if not follow_links and not _inside(file, root):
                raise BulkInputError(
                    f"{file}: a link to {os.path.realpath(file)}, outside the input folder {path}; the folder's "
                    "files are sent to the model, so links out of it are refused. Copy the file in, or pass "
                    "follow_links=True (--follow-links) if the folder's links are meant to be followed"
                )
            files.append(file)
    for file in sorted(files):
        rel = file.relative_to(path).as_posix()
        yield str(file), {"id": rel, "name": file.name, "path": str(file), "media": str(file)}


def _kind(path: Path) -> str | None:
    """None for a regular file or folder (or a missing path); else what the path is, for the error message."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"


def _rows(source: Any, follow_links: bool = False) -> Iterator[tuple[str, Any]]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return _folder_rows(path, follow_links)
        kind = _kind(path)
        if kind is not None:
            raise BulkInputError(
                f"{path}: is {kind}, not a file; the input is read twice (checked in full, then run), so save it "
                "to a file first"
            )
        if not path.is_file():
            broken = " (a link whose target does not exist)" if path.is_symlink() else ""
            raise BulkInputError(f"{path}: no such file or folder{broken}")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return _csv_rows(path)
        if suffix in (".jsonl", ".ndjson", ".json"):
            return _jsonl_rows(path)
        raise BulkInputError(f"{path}: unknown input type {suffix or '(no suffix)'}; use .jsonl, .csv or a folder")
    if isinstance(source, (Mapping, bytes)) or not isinstance(source, Iterable):
        raise BulkInputError(f"items must be an iterable of dicts, or a path; got {type(source).__name__}")
    return ((f"item {n} of the input", value) for n, value in enumerate(source, 1))


def iter_items(source: Any, *, id_field: str = "id", media_field: str | None = None,
               follow_links: bool = False) -> Iterator[Item]:
    """Items from a path (JSONL, CSV or folder) or an iterable of dicts/pydantic objects, in input order.

    Files are UTF-8 (a leading byte-order mark is dropped). A folder gives one item per file (hidden files
    skipped), its id the path relative to the folder and the file itself as media; `media_field` defaults
    to "media" for folders. A link in the folder to a file outside it is refused unless `follow_links`.
    """
    folder = isinstance(source, (str, os.PathLike)) and Path(source).is_dir()
    media_key = media_field or ("media" if folder else None)
    id_key = "id" if folder else id_field
    for where, raw in _rows(source, follow_links):
        fields = _as_dict(raw, where)
        media = fields.get(media_key) if media_key else None
        media_list = [] if media is None or media == "" else list(media) if isinstance(media, list) else [media]
        yield Item(_id_of(fields, id_key, where), fields, where, media_list)


def count_and_check_ids(items: Iterable[Item]) -> int:
    """How many items there are; BulkInputError at the first repeated id (naming both places)."""
    seen: dict[str, str] = {}
    for item in items:
        first = seen.get(item.id)
        if first is not None:
            raise BulkInputError(f"{item.where}: duplicate id {item.id!r} (first seen at {first}); ids must be unique")
        seen[item.id] = item.where
    return len(seen)


def template_fields(template: str) -> list[str]:
    """The field names a `{field}` template uses (BulkInputError for a malformed template)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise BulkInputError(
            f"the prompt template is malformed ({err}); write {{{{ and }}}} for literal braces"
        ) from None
    names = []
    for _, name, _, _ in parsed:
        if name is None:
            continue
        base = name.split(".", 1)[0].split("[", 1)[0]
        if not base or base.isdigit():
            raise BulkInputError(
                f"the prompt template has a positional placeholder {{{name}}}; name a field, e.g. {{text}}"
            )
        names.append(base)
    return names


def _media_parts(item: Item) -> list[dict[str, Any]]:
    parts = []
    for media in item.media:
        if isinstance(media, Mapping):
            parts.append(dict(media))
            continue
        try:
            parts.append(file_part(media))
        except (OSError, ValueError, TypeError) as err:
            raise BulkInputError(f"{item.where}: media {media!r} for item {item.id!r} cannot be sent: {err}") from None
    return parts


def messages_for(item: Item, prompt: Prompt, system: str | None = None) -> list[dict[str, Any]]:
    """The chat `messages` for one item: optional system message, then the prompt and the item's media."""
    if callable(prompt):
        made = prompt(dict(item.fields))
        if isinstance(made, str):
            text: str | None = made
            built: list[dict[str, Any]] | None = None
        elif isinstance(made, Sequence):
            text, built = None, [dict(m) for m in made if isinstance(m, Mapping)]
            if len(built) != len(made):
                raise BulkInputError(f"{item.where}: the prompt callable's messages must be dicts")
        else:
            raise BulkInputError(
                f"{item.where}: the prompt callable returned {type(made).__name__}; return a string or a messages list"
            )
    else:
        missing = [name for name in template_fields(prompt) if name not in item.fields]
        if missing:
            raise BulkInputError(
                f"{item.where}: item {item.id!r} has no field {missing[0]!r}, which the prompt template uses"
            )
        try:
            text, built = prompt.format_map(item.fields), None
        except (KeyError, IndexError, AttributeError, ValueError) as err:
            raise BulkInputError(f"{item.where}: the prompt template cannot be filled for {item.id!r}: {err}") from None
    if built is None:
        assert text is not None
        media = _media_parts(item)
        content: Any = [text_part(text), *media] if media else text
        built = [{"role": "user", "content": content}]
    elif item.media:
        raise BulkInputError(f"{item.where}: a prompt callable that returns messages must add the item's media itself")
    if system is not None:
        built = [{"role": "system", "content": system}, *built]
    return built
