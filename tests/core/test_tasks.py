"""TaskContext: cooperative cancel, progress and partial results."""

from __future__ import annotations

import pytest

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.tasks import TaskContext


def test_published_pieces_reach_the_runner_until_cancelled() -> None:
    pieces: list[object] = []
    ctx = TaskContext(on_partial=pieces.append)
    ctx.publish("first line\n")
    ctx.publish("second line\n")
    assert pieces == ["first line\n", "second line\n"]
    ctx.cancel()
    with pytest.raises(Cancelled):
        ctx.publish("too late")
    assert len(pieces) == 2
    TaskContext().publish("nobody listens")  # no callback: dropped
