"""`python -m vertex_openai.cli ...` is the `vertex-openai` command too."""

from . import main

if __name__ == "__main__":
    raise SystemExit(main())
