"""Cloud Storage objects and `batchPredictionJobs` over Google's REST APIs, with our token source.

The token goes only over https to the hosts this engine needs, `aiplatform.googleapis.com`,
`{region}-aiplatform.googleapis.com` and `storage.googleapis.com`, or to a loopback address (a test
fake); any other URL is refused before a request is built. Plain `requests` (already installed with
google-auth) carries the calls: the GCS JSON API needs three of them (media upload, list, media
download), which does not justify google-cloud-storage as a dependency.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urlsplit

from .._endpoints import is_loopback_host

__all__ = ["TERMINAL_STATES", "BatchApi", "BatchApiError", "endpoints_for", "split_gcs_uri"]

TERMINAL_STATES = frozenset({
    "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED",
    "JOB_STATE_PARTIALLY_SUCCEEDED",
})
_GOOGLE_HOSTS = ("aiplatform.googleapis.com", "storage.googleapis.com")


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


def allowed_url(url: str) -> bool:
    """https to Vertex AI or Cloud Storage, or any scheme to a loopback host (test fakes)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if is_loopback_host(host) and parts.scheme in ("http", "https"):
        return True
    if parts.scheme != "https":
        return False
    return host in _GOOGLE_HOSTS or (host.endswith("-aiplatform.googleapis.com") and host.count(".") == 2)


def endpoints_for(location: str, base_url: str | None) -> tuple[str, str]:
    """(Vertex AI origin, Cloud Storage origin): Google's hosts, or the client's loopback origin for a fake."""
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
            yield from response.iter_lines()
        finally:
            response.close()

    # -- batchPredictionJobs ---------------------------------------------------------------------------
    def _jobs_url(self) -> str:
        return f"{self.vertex}/v1/projects/{self.project}/locations/{self.location}/batchPredictionJobs"

    def create_job(self, body: Mapping[str, Any]) -> dict[str, Any]:
        response = self._call("POST", self._jobs_url(), json=dict(body), what="create the batch prediction job")
        job: dict[str, Any] = response.json()
        return job

    def get_job(self, name: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("GET", f"{self.vertex}/v1/{name}", what=f"get {name}").json()
        return job

    def cancel_job(self, name: str) -> None:
        self._call("POST", f"{self.vertex}/v1/{name}:cancel", json={}, what=f"cancel {name}")
