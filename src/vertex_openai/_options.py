"""The keywords of the Vertex clients: their types, the openai-only ones refused, and their resolution.

`_client` turns a constructor call into (VertexConfig, keyword arguments for the SDK's own constructor) here:
fake mode from the environment, the Vertex keywords resolved once, the SDK's keywords checked in words.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from openai import NOT_GIVEN, NotGiven

from ._config import VertexConfig, resolve_config
from ._fake_mode import fake_mode_from_env
from .structured._wire import check_mode

__all__ = [
    "NO_VERTEX_OPTIONS", "OPENAI_ONLY", "VERTEX_KEYS", "RefusedOpenAIOptions", "SchemaAdaptation", "init_kwargs",
    "reject_openai_only",
]

SchemaAdaptation = Literal["jsonschema", "openapi", "off"]


class RefusedOpenAIOptions(TypedDict, total=False):
    """openai keywords that mean nothing to Vertex AI (some exist only in newer majors).

    Accepted only as None, so shared code that passes `api_key=None` keeps working; any other value raises
    `TypeError` saying what to use instead, and a type checker flags it before that.
    """

    api_key: None
    organization: None
    admin_api_key: None
    workload_identity: None
    provider: None
    data_residency: None


# The SDK insists on an api_key; it never leaves this process, the real token replaces it per request.
_PLACEHOLDER_KEY = "vertex-openai-uses-google-oauth"

OPENAI_ONLY = {
    "api_key": "Vertex AI authenticates with Google OAuth tokens; pass credentials= (google.auth credentials "
    "or a callable returning a token) instead of api_key",
    "organization": "the OpenAI-Organization header means nothing to Vertex AI and is never sent",
    "admin_api_key": "OpenAI admin keys do not apply to Vertex AI",
    "workload_identity": "use google.auth credentials (e.g. workload identity federation) via credentials=",
    "provider": "vertex-openai already configures the provider; pass project/location/credentials instead",
    "data_residency": "choose the Vertex location instead (e.g. location='eu' or 'europe-west4')",
}
VERTEX_KEYS = ("project", "location", "endpoint", "api_version", "credentials", "base_url")


def _check_sdk_options(kwargs: Mapping[str, Any]) -> None:
    """Catch wrong types here, in words, rather than as a traceback from inside the SDK or httpx."""
    timeout = kwargs.get("timeout", NOT_GIVEN)
    if not (timeout is None or isinstance(timeout, NotGiven) or type(timeout).__name__ == "Timeout"
            or (isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0)):
        raise TypeError(f"timeout must be a positive number of seconds, an httpx Timeout or None, got {timeout!r}")
    retries = kwargs.get("max_retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"max_retries must be a whole number >= 0, got {retries!r}")
    for name in ("default_headers", "default_query"):
        value = kwargs.get(name)
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a dict, got {type(value).__name__}")


def reject_openai_only(kwargs: Mapping[str, Any]) -> None:
    for name, why in OPENAI_ONLY.items():
        if name in kwargs and kwargs[name] is not None and not isinstance(kwargs[name], NotGiven):
            raise TypeError(f"{name}= is not supported by vertex-openai: {why}.")


NO_VERTEX_OPTIONS: dict[str, Any] = {
    "endpoint": "openapi", "api_version": "v1", "credentials": None, "base_url": None,
    "token_refresh_margin": 300.0, "token_refresh_timeout": 30.0, "max_retry_delay": 60.0,
}


def init_kwargs(
    project: str | None,
    location: str | None,
    *,
    endpoint: str,
    api_version: str,
    credentials: Any,
    base_url: str | None,
    token_refresh_margin: float,
    token_refresh_timeout: float,
    max_retry_delay: float,
    vertex_config: VertexConfig | None,
    openai_kwargs: dict[str, Any],
) -> tuple[VertexConfig, dict[str, Any]]:
    reject_openai_only(openai_kwargs)
    _check_sdk_options(openai_kwargs)
    # schema_adaptation="jsonschema" | "openapi" | "off" (docs/structured-output.md); also on copy().
    schema_adaptation = openai_kwargs.pop("schema_adaptation", None)
    for name in OPENAI_ONLY:
        openai_kwargs.pop(name, None)
    if vertex_config is None:
        if base_url is None and credentials is None:
            # VERTEX_OPENAI_FAKE_BASE_URL + VERTEX_OPENAI_FAKE_TOKEN: a loopback fake, its token, no Google login.
            fake = fake_mode_from_env()
            if fake is not None:
                warnings.warn(fake.warning, UserWarning, stacklevel=4)
                base_url, credentials = fake.base_url, fake.token_provider()
        else:
            fake = None
        vertex_config = resolve_config(
            project,
            location,
            endpoint=endpoint,
            api_version=api_version,
            credentials=credentials,
            base_url=base_url,
            token_refresh_margin=token_refresh_margin,
            token_refresh_timeout=token_refresh_timeout,
            max_retry_delay=max_retry_delay,
        )
        if base_url is not None:
            vertex_config = vertex_config.with_options(base_url_override=vertex_config.target.base_url)
        if fake is not None:  # copies keep fake mode's rule (_fake_mode.fake_copy_stays_fake)
            vertex_config = vertex_config.with_options(fake_mode=True)
    if schema_adaptation is not None:
        vertex_config = vertex_config.with_options(schema_adaptation=check_mode(schema_adaptation))
    sdk_kwargs = dict(openai_kwargs)
    sdk_kwargs["api_key"] = _PLACEHOLDER_KEY
    sdk_kwargs["base_url"] = vertex_config.target.base_url
    return vertex_config, sdk_kwargs
