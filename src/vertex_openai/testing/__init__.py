"""Test helpers shipped with the package: a loopback fake Vertex endpoint and network-free credentials.

Importing `vertex_openai` does not import this module; tests, demos and benchmarks do.
"""

from ._fake_credentials import FakeCredentials
from ._fake_server import FakeVertex, Fault, RecordedRequest, Reply, google_error_body
from ._schema_instance import instance_for_schema

__all__ = [
    "FakeCredentials",
    "FakeVertex",
    "Fault",
    "RecordedRequest",
    "Reply",
    "google_error_body",
    "instance_for_schema",
]
