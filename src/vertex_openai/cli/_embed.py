"""`vertex-openai embed`: a JSONL/CSV file of texts into one `{"id", "embedding"}` line per item.

Exit codes: 0 every item embedded, 1 some failed or the run stopped (a summary says which), 2 the input or
options are wrong (one line on stderr, no traceback), 130 interrupted by Ctrl-C (one line saying how many
lines were written; the same command resumes).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._args import positive_seconds, whole_number

__all__ = ["add_embed_parser", "run_embed"]


class _BadInput(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def add_embed_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    embed = commands.add_parser(
        "embed", parents=[common], help="write one embedding line per item of a JSONL/CSV file",
        description="Embed the text of every item of INPUT (a .jsonl or .csv file) with a Google embedding "
        "model, writing one line per item to --output: {\"id\": ..., \"embedding\": [...]} or "
        "{\"id\": ..., \"error\": {...}}. Rerunning with the same --output skips items already done. "
        "Exit code 0: all embedded; 1: some failed; 2: bad input; 130: interrupted (run again to resume).",
    )
    embed.add_argument("input", metavar="INPUT", help="a .jsonl or .csv file with an id and a text per item")
    embed.add_argument("--model", required=True, metavar="M",
                       help="embedding model, e.g. gemini-embedding-001, text-embedding-005")
    embed.add_argument("--output", required=True, metavar="OUT.jsonl", help="where result lines are appended")
    embed.add_argument("--id-field", default="id", metavar="NAME", help="the item field holding its id (default: id)")
    embed.add_argument("--text-field", default="text", metavar="NAME",
                       help="the item field holding the text to embed (default: text)")
    embed.add_argument("--dimensions", type=whole_number, metavar="N",
                       help="output dimensionality (default: the model's)")
    embed.add_argument("--task-type", metavar="TYPE",
                       help="Google's task type, e.g. RETRIEVAL_DOCUMENT, RETRIEVAL_QUERY, SEMANTIC_SIMILARITY")
    embed.add_argument("--concurrency", type=whole_number, default=32, metavar="N",
                       help="local: most requests in flight; the runner adapts below it on 429s (default: 32)")
    embed.add_argument("--limit", type=whole_number, metavar="N", help="process at most N new items this run")
    embed.add_argument("--timeout", type=positive_seconds, default=120.0,
                       help="local: seconds per request (default: 120)")
    embed.add_argument("--engine", choices=("local", "batch"), default="local",
                       help="local: requests from this machine; batch: a Vertex AI batch prediction job (needs --gcs)")
    embed.add_argument("--gcs", metavar="gs://BUCKET/PREFIX", help="batch: where inputs and outputs are staged")
    embed.add_argument("--resume-job", metavar="NAME", help="batch: pick up a job started earlier (its name)")
    embed.add_argument("--poll-interval", type=positive_seconds, default=30.0, metavar="SECONDS",
                       help="batch: seconds between job status checks (default: 30)")
    embed.add_argument("--allow-mismatch", action="store_true",
                       help="add to an output that another model/text field/dimensions/task type produced (refused "
                       "by default: vectors that cannot be compared would mix in one file)")
    embed.add_argument("--no-progress", action="store_true", help="no progress display on stderr")


def run_embed(args: argparse.Namespace, verbose: bool) -> int:
    from .._client import async_vertex_openai_client
    from .._exceptions import VertexAuthError
    from ..bulk import (
        BatchApiError,
        BulkAbortedError,
        BulkInputError,
        EmbedInterrupted,
        OutputLockedError,
        embed,
        format_embed_summary,
    )
    from ._extract import _file_error
    from ._output import clean

    try:
        if args.engine == "local" and (args.gcs or args.resume_job):
            raise _BadInput("--gcs and --resume-job are for --engine batch")
        client = async_vertex_openai_client(args.project, args.location, base_url=args.base_url,
                                            timeout=args.timeout)
        if verbose:
            from ._verbose import hook_client

            hook_client(client)
        options: dict[str, Any] = {
            "model": args.model, "output": args.output, "id_field": args.id_field, "text_field": args.text_field,
            "dimensions": args.dimensions, "task_type": args.task_type, "limit": args.limit,
            "progress": not args.no_progress, "allow_mismatch": args.allow_mismatch,
        }
        if args.engine == "batch":
            options.update(engine="batch", gcs=args.gcs, resume_job=args.resume_job, location=args.location,
                           poll_interval=args.poll_interval)
        else:
            options.update(concurrency=args.concurrency)
        summary = embed(client, args.input, **options)
    except EmbedInterrupted as stop:
        written = stop.summary.succeeded + stop.summary.failed
        print(f"\ninterrupted: {written} written, run the same command to resume", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\ninterrupted: 0 written, run the same command to resume", file=sys.stderr)
        return 130
    except (_BadInput, BulkInputError, OutputLockedError, ValueError) as err:
        print(f"vertex-openai embed: {clean(str(err))}", file=sys.stderr)
        return 2
    except (BulkAbortedError, BatchApiError, VertexAuthError) as err:
        print(f"vertex-openai embed: stopped: {clean(str(err))}\nLines written so far are kept; run the same "
              "command again to continue.", file=sys.stderr)
        return 1
    except OSError as err:  # the file system: output is a directory, read-only, full disk...
        print(f"vertex-openai embed: {clean(_file_error(err))}", file=sys.stderr)
        return 2
    for message in summary.job_errors:
        print(f"vertex-openai embed: {clean(message)}", file=sys.stderr)
    print(clean(format_embed_summary(summary)), file=sys.stderr)
    return 0 if summary.ok else 1
