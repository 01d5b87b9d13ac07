"""Test helpers shipped with the package: a loopback fake Vertex endpoint, network-free credentials, and the
cassette kit (scrubbed vcrpy recordings) with its pytest plugin.

Importing `vertex_openai` does not import this module; tests, demos and benchmarks do.
"""

from ._content_coding import CassetteRecordingError, CassetteReplayError
from ._fake_batch import BatchCall, FakeBatch
from ._fake_credentials import FakeCredentials
from ._fake_quota import QuotaFakeVertex
from ._fake_script import Fault, RecordedRequest, Reply, google_error_body, load_script
from ._fake_server import FakeVertex
from ._schema_instance import instance_for_schema

# Cassette kit (`_vcr.py`), loaded on first use so importing this package never needs vcrpy.
_VCR_NAMES = frozenset({
    "CassetteScrubber", "assert_all_played", "replay_credentials", "use_cassette", "vcr_config",
    "EMAIL_PLACEHOLDER", "LOCATION_PLACEHOLDER", "PROJECT_PLACEHOLDER", "SECRET_PLACEHOLDER",
})


def __getattr__(name: str) -> object:
    if name in _VCR_NAMES:
        from . import _vcr

        return getattr(_vcr, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names with the lazily loaded public ones, so `dir()`, `help()` and the API reference list them."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "EMAIL_PLACEHOLDER",
    "LOCATION_PLACEHOLDER",
    "PROJECT_PLACEHOLDER",
    "SECRET_PLACEHOLDER",
    "BatchCall",
    "CassetteRecordingError",
    "CassetteReplayError",
    "CassetteScrubber",
    "FakeBatch",
    "FakeCredentials",
    "FakeVertex",
    "Fault",
    "QuotaFakeVertex",
    "RecordedRequest",
    "Reply",
    "assert_all_played",
    "google_error_body",
    "instance_for_schema",
    "load_script",
    "replay_credentials",
    "use_cassette",
    "vcr_config",
]
