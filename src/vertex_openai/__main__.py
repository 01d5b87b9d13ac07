"""`python -m vertex_openai ...` is the `vertex-openai` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
