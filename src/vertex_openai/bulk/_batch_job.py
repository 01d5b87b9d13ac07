"""Cloud Storage objects and `batchPredictionJobs` over Google's REST APIs, with our token source.

The token goes only over https to the hosts this engine needs, `aiplatform.googleapis.com`,
`{region}-aiplatform.googleapis.com` and `storage.googleapis.com`, or to a loopback address (a test
fake); any other URL is refused before a request is built. The check reads the URL's authority as
plain `host[:port]` and refuses anything else (userinfo, backslashes, percent signs, spaces), so no
parser can connect somewhere else than the host that was checked. Job names go into URL paths only
after `check_job_name` (`projects/P/locations/L/batchPredictionJobs/NUMBER`, nothing else).
Plain `requests` (already installed with google-auth) carries the calls: the GCS JSON API needs
three of them (media upload, list, media download), which does not justify google-cloud-storage.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urlsplit

from .._endpoints import is_loopback_host, validate_location

__all__ = [
    "DOWNLOAD_CHUNK",
    "TERMINAL_STATES",
    "BatchApi",
    "BatchApiError",
    "check_job_name",
    "endpoints_for",
    "split_gcs_uri",
    "split_lines",
]

TERMINAL_STATES = frozenset({
    "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED",
    "JOB_STATE_PARTIALLY_SUCCEEDED",
})
_GOOGLE_HOSTS = ("aiplatform.googleapis.com", "storage.googleapis.com")
# An authority we accept: a DNS name or IPv4 literal, or a bracketed IPv6 literal, then an optional port.
_AUTHORITY = re.compile(r"(?P<host>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
# What Vertex AI returns as a job's `name`: project id or number (ids may carry a `domain:` prefix), location,
# numeric job id. Nothing here can change the shape of the URL path it goes into.
_JOB_NAME = re.compile(
    r"projects/[a-z0-9][a-z0-9.:-]{0,127}/locations/[a-z0-9-]{1,63}/batchPredictionJobs/[0-9]{1,30}"
)


class BatchApiError(RuntimeError):
    """A Cloud Storage or Vertex AI REST call failed; the message says which and why."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def split_gcs_uri(uri: str) -> tuple[str, str]:
    """(bucket, object path) of `gs://bucket/path`; ValueError naming the fix otherwise."""
    if not isinstance(uri, str) or not uri.startswith("gs://") or len(uri) <= 5:
        raise ValueError(f"{uri!r} is not a Cloud Storage location; write gs://BUCKET/PREFIX")
    bucket, _, path = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"{uri!r} has no bucket name; write gs://BUCKET/PREFIX")
    return bucket, path


DOWNLOAD_CHUNK = 1 << 20  # bytes per read of a download: a row can be tens of MB (inline media is echoed)


def split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines (without `\\n` / `\\r\\n`) of a byte stream that arrives in chunks, in time linear in its size.

    Each byte is searched once: a long line is gathered in one growing buffer, never re-scanned per chunk.
    """
    pending = bytearray()
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            if pending:
                pending += chunk[start:end]
                line = bytes(pending)
                pending.clear()
            else:
                line = chunk[start:end]
            yield line[:-1] if line.endswith(b"\r") else line
            start = end + 1
        pending += chunk[start:]
    if pending:
        yield bytes(pending[:-1] if pending.endswith(b"\r") else pending)


def check_job_name(name: object, source: str = "the job name") -> str:
    """`name` if it is a batch prediction job's resource name; ValueError naming `source` otherwise."""
    if not isinstance(name, str) or not _JOB_NAME.fullmatch(name) or "/../" in name or name.endswith("/.."):
        raise ValueError(
            f"{name!r} (from {source}) is not a batch prediction job name; expected "
            "projects/PROJECT/locations/LOCATION/batchPredictionJobs/NUMBER as printed when the job was created"
        )
    return name


def allowed_url(url: str) -> bool:
    """https to Vertex AI or Cloud Storage on the default port, or http(s) to a loopback host (test fakes).

    The authority must be exactly `host[:port]`: a URL whose host different parsers could read differently
    (userinfo, a backslash, percent-escapes, whitespace) is refused whatever host it seems to name.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not url.isascii() or any(ch.isspace() for ch in url):
        return False
    authority = _AUTHORITY.fullmatch(parts.netloc.lower())
    if authority is None:
        return False
    host, port = authority["host"], authority["port"]
    if is_loopback_host(host):
        return True
    if parts.scheme != "https" or port not in (None, "443"):
        return False
    return host in _GOOGLE_HOSTS or (host.endswith("-aiplatform.googleapis.com") and host.count(".") == 2
                                     and re.fullmatch(r"[a-z0-9-]+", host.split(".", 1)[0]) is not None)


def endpoints_for(location: str, base_url: str | None) -> tuple[str, str]:
    """(Vertex AI origin, Cloud Storage origin): Google's hosts, or the client's loopback origin for a fake."""
    validate_location(location)
    if base_url:
        parts = urlsplit(base_url)
        if is_loopback_host(parts.hostname or ""):
            origin = f"{parts.scheme}://{parts.netloc}"
            return origin, origin
    host = "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"
    return f"https://{host}", "https://storage.googleapis.com"


def _google_message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:300]
    if isinstance(body, list) and body:
        body = body[0]
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        return ": ".join(str(part) for part in (error.get("status"), error.get("message")) if part)
    return json.dumps(body)[:300]


@dataclass
class BatchApi:
    """The few REST calls the batch engine makes; `token` returns a fresh access token."""

    token_source: Any
    vertex: str
    storage: str
    project: str
    location: str
    timeout: float = 120.0

    def __post_init__(self) -> None:
        import requests

        self._session = requests.Session()
        for origin in (self.vertex, self.storage):
            if not allowed_url(origin + "/"):
                raise ValueError(
                    f"refusing to send Google credentials to {origin}: only https to aiplatform.googleapis.com, "
                    "{region}-aiplatform.googleapis.com and storage.googleapis.com (or a loopback fake) are allowed"
                )

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, url: str, *, what: str, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        if not allowed_url(url):  # defence in depth: every URL, not only the configured origins
            raise ValueError(f"refusing to send Google credentials to {urlsplit(url).netloc}")
        headers = dict(kwargs.pop("headers", {}))
        headers["Authorization"] = f"Bearer {self.token_source.token(self.timeout)}"
        quota = getattr(self.token_source, "quota_project", None)
        if quota:
            headers.setdefault("x-goog-user-project", quota)
        import requests

        for attempt in range(5):
            try:
                response = self._session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except requests.RequestException as err:
                if attempt == 4:
                    raise BatchApiError(f"{what}: {type(err).__name__}: {err}") from None
                time.sleep(min(8.0, 0.5 * 2 ** attempt))
                continue
            if response.status_code in (429, 500, 502, 503, 504) and attempt < 4:
                time.sleep(min(8.0, 0.5 * 2 ** attempt))
                continue
            if response.status_code not in ok:
                raise BatchApiError(f"{what}: HTTP {response.status_code} {_google_message(response)}",
                                    response.status_code)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    # -- Cloud Storage (JSON API) --------------------------------------------------------------------
    def check_bucket(self, bucket: str) -> None:
        try:
            self._call("GET", f"{self.storage}/storage/v1/b/{quote(bucket, safe='')}", what=f"bucket gs://{bucket}")
        except BatchApiError as err:
            raise BatchApiError(
                f"{err} — the bucket must exist and be readable and writable by you and by the Vertex AI "
                "service agent (service-PROJECT_NUMBER@gcp-sa-aiplatform.iam.gserviceaccount.com, e.g. "
                "roles/storage.objectUser)",
                err.status,
            ) from None

    def upload(self, bucket: str, name: str, data: bytes | IO[bytes], content_type: str) -> None:
        self._call("POST", f"{self.storage}/upload/storage/v1/b/{quote(bucket, safe='')}/o",
                   params={"uploadType": "media", "name": name}, data=data,
                   headers={"Content-Type": content_type}, what=f"upload gs://{bucket}/{name}")

    def list(self, bucket: str, prefix: str) -> Iterator[str]:
        token: str | None = None
        while True:
            params = {"prefix": prefix, **({"pageToken": token} if token else {})}
            body = self._call("GET", f"{self.storage}/storage/v1/b/{quote(bucket, safe='')}/o", params=params,
                              what=f"list gs://{bucket}/{prefix}").json()
            for item in body.get("items") or []:
                yield str(item["name"])
            token = body.get("nextPageToken")
            if not token:
                return

    def download_lines(self, bucket: str, name: str) -> Iterator[bytes]:
        response = self._call("GET", f"{self.storage}/storage/v1/b/{quote(bucket, safe='')}/o/{quote(name, safe='')}",
                              params={"alt": "media"}, stream=True, what=f"download gs://{bucket}/{name}")
        try:
            yield from split_lines(response.iter_content(chunk_size=DOWNLOAD_CHUNK))
        finally:
            response.close()

    # -- batchPredictionJobs ---------------------------------------------------------------------------
    def _jobs_url(self) -> str:
        return f"{self.vertex}/v1/projects/{self.project}/locations/{self.location}/batchPredictionJobs"

    def create_job(self, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self._call("POST", self._jobs_url(), json=dict(body), what="create the batch prediction job")
        job: dict[str, Any] = response.json()
        return job

    def create_job_name(self, body: Mapping[str, Any]) -> str:
        """Create a job and return its name, checked: Google's reply is not trusted to shape our next URLs."""
        return check_job_name(self.create_job(body).get("name"), "Google's reply to the job creation")

    def get_job(self, name: str) -> dict[str, Any]:
        check_job_name(name)
        job: dict[str, Any] = self._call("GET", f"{self.vertex}/v1/{name}", what=f"get {name}").json()
        return job

    def cancel_job(self, name: str) -> None:
        check_job_name(name)
        self._call("POST", f"{self.vertex}/v1/{name}:cancel", json={}, what=f"cancel {name}")
