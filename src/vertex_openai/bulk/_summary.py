"""What a bulk run reports back: counts, tokens, time, and a cost estimate when prices are given."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BulkAbortedError", "ExtractSummary", "Prices"]


class BulkAbortedError(RuntimeError):
    """The run stopped early for a reason no item can fix (credentials, permissions, unknown model).

    Lines already written stay valid: run again with the same output to continue.
    """


@dataclass(frozen=True)
class Prices:
    """Prices in dollars per million tokens, for the summary's cost estimate (batch: Google's batch prices)."""

    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million) / 1e6


@dataclass
class ExtractSummary:
    """The outcome of one run. `succeeded`/`failed` count lines written by this run; `skipped` those already there."""

    output: str
    engine: str = "local"
    total: int | None = None
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed: float = 0.0
    cost: float | None = None
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    final_concurrency: float = 0.0
    quota_rate: float | None = None  # requests/s a RetryInfo quota admitted, when the pacing learned it
    repaired_bytes: int = 0
    jobs: list[str] = field(default_factory=list)
    detached: bool = False
    missing: int = 0
    unreadable_rows: int = 0
    job_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when this run wrote no failed line and nothing is left undone."""
        return self.failed == 0 and self.missing == 0 and not self.detached
