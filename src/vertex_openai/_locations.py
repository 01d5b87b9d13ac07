"""Vertex AI locations we know of, and what to say about one we do not.

The list is Google's "Generative AI on Vertex AI locations" page (SOURCE), plus `global` and the `us`/`eu`
multi-regions. It is used only to help: a near miss of a known location (`US-CENTRAL1`, `us-central-1`,
`us-centrl1`) is refused with "did you mean", a location that looks like a project id while the project looks
like a location is refused as swapped arguments, and any other well-formed location is accepted with one warning,
because Google adds regions before this list learns of them.
"""

from __future__ import annotations

import difflib
import re
import warnings

__all__ = ["KNOWN_LOCATIONS", "SOURCE", "check_location", "did_you_mean"]

SOURCE = "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations"
KNOWN_LOCATIONS = frozenset({
    "global", "us", "eu",
    # United States, Canada, South America
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west4",
    "northamerica-northeast1", "southamerica-east1",
    # Europe
    "europe-central2", "europe-north1", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
    "europe-west4", "europe-west6", "europe-west8", "europe-west9",
    # Asia Pacific
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-southeast1",
    "australia-southeast1",
    # Middle East
    "me-central1", "me-central2", "me-west1",
})
_SHAPE = re.compile(r"[a-z0-9-]+")
_warned: set[str] = set()


def did_you_mean(value: str) -> str | None:
    """The known location `value` most likely meant (case, `_`, spaces, an extra `-`, one typo), or None."""
    normalised = value.strip().lower().replace("_", "-").replace(" ", "-")
    if normalised in KNOWN_LOCATIONS:
        return normalised
    squeezed = re.sub(r"-(\d+)$", r"\1", normalised)  # us-central-1 -> us-central1
    if squeezed in KNOWN_LOCATIONS:
        return squeezed
    numbered = [known for known in KNOWN_LOCATIONS if re.fullmatch(re.escape(squeezed) + r"\d+", known)]
    if len(numbered) > 1:  # `europe-west`: which one cannot be guessed
        return None
    close = difflib.get_close_matches(squeezed, sorted(KNOWN_LOCATIONS), n=1, cutoff=0.85)
    if not close:
        return None
    # `asia-northeast2`, `us-west2`: same name, another number is a region the list may not know yet, not a typo.
    if re.search(r"\d$", squeezed) and re.sub(r"\d+$", "", close[0]) == re.sub(r"\d+$", "", squeezed):
        return None
    return close[0]


def _use(value: str, source: str | None) -> str:
    if source is None:
        return f"Pass location={value!r}."
    if source.startswith("--"):
        return f"Use {source} {value}."
    return f"Set {source}={value}, or pass location=."


def _named(value: str, source: str | None) -> str:
    return f"{source}={value!r}" if source else f"location {value!r}"


def check_location(location: object, *, source: str | None = None, project: str | None = None) -> str:
    """The location to use, or ValueError saying what is wrong, where it came from and what to use instead.

    `source` names where the value came from when it was not an argument (e.g. "GOOGLE_CLOUD_LOCATION").
    """
    if not isinstance(location, str):
        raise TypeError(f"location must be a str such as 'global' or 'us-central1', got {type(location).__name__}")
    if location in KNOWN_LOCATIONS:
        return location
    named = _named(location, source)
    guess = did_you_mean(location)
    if guess is not None:
        raise ValueError(f"{named} is not a Vertex AI location; did you mean {guess!r}? {_use(guess, source)} "
                         f"Known locations: {SOURCE}")
    if project is not None and project in KNOWN_LOCATIONS:
        raise ValueError(
            f"{named} is not a Vertex AI location, but the project {project!r} is one: project and location look "
            f"swapped. Pass the project first: vertex_openai_client({location!r}, {project!r})."
        )
    if not _SHAPE.fullmatch(location):
        raise ValueError(
            f"{named} is not a Vertex AI location; expected lowercase letters, digits and '-' such as 'global', "
            f"'us-central1', 'europe-west4', 'us' or 'eu'. Known locations: {SOURCE}"
        )
    if location not in _warned:
        _warned.add(location)
        warnings.warn(
            f"{named} is not in vertex-openai's list of Vertex AI locations ({SOURCE}); using it as given. If "
            "requests fail with 404, check the location.", UserWarning, stacklevel=4,
        )
    return location
