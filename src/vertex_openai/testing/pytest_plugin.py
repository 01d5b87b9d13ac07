"""pytest plugin entry point for vertex-openai (registered via the `pytest11` entry point).

Inert until the cassette kit lands: it must never break a test session that merely has the package
installed.
"""
