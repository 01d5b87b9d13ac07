"""`vertex-openai extract`: a JSONL/CSV file or a folder of documents into one validated JSON row per item.

Exit codes: 0 every item succeeded, 1 some failed or the run stopped (a summary says which), 2 the
input, schema, prompt, options or files are wrong (one line on stderr, no traceback), 130 interrupted
(Ctrl-C; one line says how many results were written and how to resume). Every line built from text we
did not write (Google's messages, file contents, paths) goes through `clean` first.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from ._args import whole_number
from ._output import clean

__all__ = ["add_extract_parser", "run_extract"]

_DEFAULT_MODEL = "gemini-2.5-flash"


class _BadInput(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def add_extract_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    extract = commands.add_parser(
        "extract", parents=[common], help="extract a validated JSON row per item of a JSONL/CSV file or folder",
        description="Run every item of INPUT (a .jsonl or .csv file, or a folder of documents) through the model "
        "with structured output, writing one line per item to --output. Rerunning with the same --output "
        "skips items already done. Exit code 0: all succeeded; 1: some failed; 2: bad input.",
    )
    extract.add_argument("input", metavar="INPUT", help="a .jsonl or .csv file, or a folder of documents")
    extract.add_argument("--schema", required=True, metavar="MODULE:MODEL",
                         help="the pydantic model of one row: invoices.schema:Invoice or path/to/file.py:Invoice")
    extract.add_argument("--prompt", required=True, metavar="TEMPLATE|@FILE",
                         help="prompt template with {field}s from each item ({{ for a literal brace); @FILE reads it")
    extract.add_argument("--output", required=True, metavar="OUT.jsonl", help="where result lines are appended")
    extract.add_argument("--model", default=os.environ.get("VERTEX_OPENAI_MODEL") or _DEFAULT_MODEL,
                         help=f"model (default: VERTEX_OPENAI_MODEL or {_DEFAULT_MODEL}); Gemini gets google/ added")
    extract.add_argument("--id-field", default="id", metavar="NAME", help="the item field holding its id (default: id)")
    extract.add_argument("--media-field", metavar="NAME",
                         help="item field with a gs:// URI, URL or file path to send along (folders: the file)")
    extract.add_argument("--system", help="a system instruction for every item")
    extract.add_argument("--concurrency", type=whole_number, default=32, metavar="N",
                         help="most requests in flight; the runner adapts below it on 429s (default: 32)")
    extract.add_argument("--limit", type=whole_number, metavar="N", help="process at most N new items this run")
    extract.add_argument("--reask", action="store_true", help="re-ask once when a reply does not validate")
    extract.add_argument("--temperature", type=float, help="sampling temperature")
    extract.add_argument("--max-tokens", type=whole_number, metavar="N", help="limit each answer's length in tokens")
    extract.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default: 120)")
    extract.add_argument("--prices", metavar="IN,OUT",
                         help="dollars per million input and output tokens, for a cost estimate, e.g. 0.30,2.50")
    extract.add_argument("--engine", choices=("local", "batch"), default="local",
                         help="local: requests from this machine; batch: Vertex AI batch prediction (needs --gcs)")
    extract.add_argument("--gcs", metavar="gs://BUCKET/PREFIX", help="batch: where inputs and outputs are staged")
    extract.add_argument("--resume-job", metavar="NAME", help="batch: pick up a job started earlier (its name)")
    extract.add_argument("--poll-interval", type=float, default=30.0, metavar="SECONDS",
                         help="batch: seconds between job status checks (default: 30)")
    extract.add_argument("--allow-mismatch", action="store_true",
                         help="add to an output that a different model/schema/prompt/system produced (refused "
                         "by default: the rows would mix)")
    extract.add_argument("--follow-links", action="store_true",
                         help="folder input: follow links that point outside the folder (refused by default)")
    extract.add_argument("--no-progress", action="store_true", help="no progress display on stderr")


def _load_schema(spec: str) -> Any:
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise _BadInput(f"--schema {spec!r}: write MODULE:MODEL, e.g. invoices.schema:Invoice")
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise _BadInput(f"--schema {spec!r}: no such file {module_name}")
            loader_spec = importlib.util.spec_from_file_location(path.stem, path)
            if loader_spec is None or loader_spec.loader is None:
                raise _BadInput(f"--schema {spec!r}: cannot load {module_name}")
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except _BadInput:
        raise
    except SystemExit as err:  # a script-style module: its exit must not become ours (exit 0, nothing done)
        raise _BadInput(f"--schema {spec!r}: importing {module_name} called sys.exit({err.code!r}); the schema "
                        "module must define the model without running a program (guard it with "
                        "if __name__ == '__main__':)") from None
    except Exception as err:
        raise _BadInput(f"--schema {spec!r}: importing {module_name} failed: {type(err).__name__}: {err}") from None
    model = getattr(module, attr, None)
    if model is None:
        raise _BadInput(f"--schema {spec!r}: {module_name} has no {attr}")
    return _check_model(spec, attr, model)


def _check_model(spec: str, attr: str, model: Any) -> Any:
    """The model if it is a user's pydantic model class whose JSON schema can be built; _BadInput otherwise."""
    import pydantic

    if model is pydantic.BaseModel or (isinstance(model, type) and model.__module__.startswith("pydantic.")):
        raise _BadInput(f"--schema {spec!r}: {attr} is pydantic's own class, not a model of a row; name your "
                        "subclass of pydantic.BaseModel, e.g. myapp.models:Invoice")
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        what = "a class" if isinstance(model, type) else f"a {type(model).__name__}"
        raise _BadInput(f"--schema {spec!r}: {attr} is {what}, not a pydantic model class (a subclass of "
                        "pydantic.BaseModel)")
    try:
        model.model_json_schema()
    except Exception as err:
        raise _BadInput(f"--schema {spec!r}: the JSON schema of {attr} cannot be built: "
                        f"{type(err).__name__}: {err}") from None
    return model


def _read_prompt(value: str) -> str:
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise _BadInput(f"--prompt {value}: cannot read {path}: {err.strerror or err}") from None


def _prices(value: str | None) -> Any:
    if value is None:
        return None
    from ..bulk import Prices

    try:
        first, second = (float(part) for part in value.split(","))
    except ValueError:
        raise _BadInput(f"--prices {value!r}: write two numbers, dollars per million input and output tokens, "
                        "e.g. 0.30,2.50") from None
    return Prices(first, second)


def _line_count(path: str) -> int:
    """Complete lines in the output file now (0 when it is missing or not a regular file)."""
    try:
        if not Path(path).is_file():
            return 0
        count = 0
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
        return count
    except OSError:
        return 0


def _file_error(err: OSError) -> str:
    """An OSError as one line: which file, what went wrong, and for a full disk what to do."""
    where = f"{err.filename}: " if err.filename else ""
    what = err.strerror or str(err)
    if err.errno in (errno.EFBIG, errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what += " (the disk, a quota or the file-size limit is full; free space, then run the same command " \
                "again to continue)"
    return f"file error: {where}{what}"


def run_extract(args: argparse.Namespace, verbose: bool) -> int:
    from .._client import async_vertex_openai_client
    from .._endpoints import vertex_model_name
    from .._exceptions import VertexAuthError
    from ..bulk import (
        BatchApiError,
        BulkAbortedError,
        BulkInputError,
        OutputLockedError,
        extract,
        format_summary,
    )

    before = _line_count(args.output)

    def say(text: str) -> None:
        print(f"vertex-openai extract: {clean(text)}", file=sys.stderr)

    try:
        schema = _load_schema(args.schema)
        prompt = _read_prompt(args.prompt)
        prices = _prices(args.prices)
        if args.engine == "local" and (args.gcs or args.resume_job is not None):
            raise _BadInput("--gcs and --resume-job are for --engine batch")
        options: dict[str, Any] = {}
        for name in ("temperature", "max_tokens"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
        client = async_vertex_openai_client(args.project, args.location, base_url=args.base_url,
                                            timeout=args.timeout)
        if verbose:
            from ._verbose import hook_client

            hook_client(client)
        common: dict[str, Any] = {
            "prompt": prompt, "response_format": schema, "model": vertex_model_name(args.model),
            "output": args.output, "id_field": args.id_field, "media_field": args.media_field,
            "system": args.system, "limit": args.limit, "prices": prices,
            "request_options": options, "progress": not args.no_progress,
            "allow_mismatch": args.allow_mismatch, "follow_links": args.follow_links,
        }
        if args.engine == "batch":
            if args.reask:
                raise _BadInput("--reask is for the local engine: a batch job cannot ask again")
            common.update(engine="batch", gcs=args.gcs, resume_job=args.resume_job, location=args.location,
                          poll_interval=args.poll_interval)
        else:
            common.update(concurrency=args.concurrency, reask=args.reask)
        summary = extract(client, args.input, **common)
    except KeyboardInterrupt:
        after = _line_count(args.output)
        say(f"interrupted: {max(0, after - before)} written ({after} in {args.output} in all), "
            "run the same command to resume")
        return 130
    except (_BadInput, BulkInputError, OutputLockedError, ValueError) as err:
        say(str(err))
        return 2
    except (BulkAbortedError, BatchApiError, VertexAuthError) as err:
        say(f"stopped: {err}")
        print("Lines written so far are kept; run the same command again to continue.", file=sys.stderr)
        return 1
    except OSError as err:  # the file system: output is a directory, read-only, full disk...
        say(_file_error(err))
        return 2
    for message in summary.job_errors:
        say(message)
    print(clean(format_summary(summary)), file=sys.stderr)
    return 0 if summary.ok else 1
