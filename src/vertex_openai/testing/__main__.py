"""`python -m vertex_openai.testing serve`: run the loopback fake Vertex in the foreground."""

from ._serve import main

raise SystemExit(main())
