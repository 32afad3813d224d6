"""Constants and helpers shared by the Partner Center integration tests (a uniquely named module, so
importing it never collides with another directory's ``conftest``)."""

from __future__ import annotations

TID = "2b7c1f4e-9a3d-4c5b-8e6f-0a1b2c3d4e5f"
PUBLIC_CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
USER = "seller@contosopartner.com"


class SleepRecorder:
    """An injectable `sleep` that records the seconds asked for instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
