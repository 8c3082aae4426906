"""Resolve where drift data comes from: files, model versions' training data, endpoints.

A source string is one of

- a path (CSV, Parquet, JSON Lines, a folder of them);
- ``model:WORKSPACE/NAME/VERSION`` (``VERSION`` may be an alias such as ``champion``): the
  training split logged with the version's source run (``data/train.parquet``; copies made by
  promotion carry it along);
- ``endpoint:WORKSPACE/NAME``: the requests a local endpoint collected (inputs, the model's
  ``prediction`` and the request ``timestamp``), or, in an Azure ML workspace, the inputs its
  deployments' data collector wrote to storage (``timestamp``: the events' time);

optionally followed by a time slice ``#since=…&until=…`` (and, for endpoints,
``&deployment=NAME`` to keep one deployment's requests) whose bounds are ISO timestamps or
durations back from now (``-7d``, ``-24h``, ``-30m``). So "the previous week as reference,
this week as current" is ``endpoint:prod/churn#since=-14d&until=-7d`` against
``endpoint:prod/churn#since=-7d``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.tasks import TaskContext

MODEL_PREFIX = "model:"
ENDPOINT_PREFIX = "endpoint:"
TRAINING_DATA = "data/train.parquet"
#: Column the endpoint sources carry the request time in.
ENDPOINT_TIMESTAMP = "timestamp"
_DURATION = re.compile(r"^-(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ModelReference:
    """A model version named by workspace, registered name and version or alias."""

    workspace: str
    registered_name: str
    version_or_alias: str

    @classmethod
    def parse(cls, text: str) -> ModelReference:
        """Parse ``model:WORKSPACE/NAME/VERSION``; a clear error names the expected shape."""
        body = text.removeprefix(MODEL_PREFIX)
        parts = body.split("/")
        if len(parts) != 3 or not all(parts):
            raise InvalidInput(
                f"cannot read model reference {text!r}",
                hint="write model:WORKSPACE/NAME/VERSION, e.g. model:prod/churn/champion",
            )
        return cls(*parts)

    def __str__(self) -> str:
        return f"{MODEL_PREFIX}{self.workspace}/{self.registered_name}/{self.version_or_alias}"


@dataclass(frozen=True)
class TimeSlice:
    """Half-open time range ``[since, until)``; None bounds are open."""

    since: datetime | None = None
    until: datetime | None = None
    #: Endpoint sources only: keep the requests one deployment answered.
    deployment: str | None = None

    @classmethod
    def parse(cls, text: str, now: datetime | None = None) -> TimeSlice:
        """Parse ``since=…&until=…`` (ISO timestamps or ``-7d``-style durations)."""
        now = now or datetime.now(UTC)
        bounds: dict[str, datetime] = {}
        deployment = None
        for key, value in parse_qsl(text, keep_blank_values=True):
            if key == "deployment":
                deployment = value.strip() or None
                continue
            if key not in ("since", "until"):
                raise InvalidInput(
                    f"unknown time slice key {key!r} in {text!r}",
                    hint="use since=, until= and (for endpoints) deployment=",
                )
            bounds[key] = _moment(value, now)
        return cls(bounds.get("since"), bounds.get("until"), deployment)

    def apply(self, frame: Any, column: str, source: str) -> Any:
        """Rows of ``frame`` whose ``column`` falls in the slice."""
        import pandas as pd

        if column not in frame.columns:
            raise InvalidInput(
                f"{source}: a time slice needs the timestamp column {column!r}",
                hint="name it with --timestamp",
            )
        times = pd.to_datetime(frame[column], utc=True, errors="coerce")
        keep = times.notna()
        if self.since is not None:
            keep &= times >= pd.Timestamp(self.since)
        if self.until is not None:
            keep &= times < pd.Timestamp(self.until)
        return frame.loc[keep].reset_index(drop=True)


def parse_moment(value: str, now: datetime | None = None) -> datetime:
    """An ISO time (UTC when naive) or a duration back from ``now`` (``-7d``, ``-24h``)."""
    return _moment(value, now or datetime.now(UTC))


def _moment(value: str, now: datetime) -> datetime:
    match = _DURATION.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"cannot read time {value!r}", hint="use an ISO time or a duration such as -7d, -24h"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_model_reference(text: str) -> bool:
    """True for ``model:…`` sources."""
    return text.startswith(MODEL_PREFIX)


def is_endpoint_reference(text: str) -> bool:
    """True for ``endpoint:…`` sources."""
    return text.startswith(ENDPOINT_PREFIX)


def split_slice(text: str) -> tuple[str, TimeSlice | None]:
    """The source without its ``#…`` time slice, and the slice (None when absent)."""
    base, sep, fragment = text.partition("#")
    return base, (TimeSlice.parse(fragment) if sep else None)


def training_data_of(config: AppConfig, reference: ModelReference, dest: Path) -> Path:
    """Download the training split behind a model version into ``dest``; returns the file."""
    from mlops_desktop.backends.registry import open_backend

    backend = open_backend(config.workspace(reference.workspace))
    key = reference.version_or_alias
    version = (
        backend.get_model_version(reference.registered_name, key)
        if key.isdigit()
        else backend.get_model_version_by_alias(reference.registered_name, key)
    )
    if not version.run_id:
        raise NotFound(f"{reference} has no source run, so no training data to compare against")
    folder = backend.download_run_artifacts(version.run_id, "data", dest)
    path = folder / Path(TRAINING_DATA).name if folder else None
    if path is None or not path.exists():
        raise NotFound(
            f"the run behind {reference} logged no training data ({TRAINING_DATA})",
            hint="train with `python -m mlops_desktop.pipelines.train`, or pass a file",
        )
    return path


class EndpointDataReader(Protocol):
    """What an ``endpoint:`` source needs of a workspace: its endpoints' collected data.

    The ports layer (:mod:`mlops_desktop.ports.collected_data`) chooses the reader of each
    workspace; the workflows here never ask which kind of workspace they read."""

    def load(
        self,
        endpoint: str,
        time_slice: TimeSlice | None,
        *,
        workdir: Path | None = None,
        ctx: TaskContext | None = None,
    ) -> Any:
        """What ``endpoint`` collected in the slice, as a DataFrame (NotFound when nothing)."""
        ...


#: Opens the collected-data reader of a workspace (``ports.collected_data.open_collected_data``).
OpenCollectedData = Callable[[WorkspaceConfig], EndpointDataReader]


def endpoint_data(
    config: AppConfig,
    text: str,
    time_slice: TimeSlice | None,
    *,
    open_collected: OpenCollectedData,
    workdir: Path | None = None,
    ctx: TaskContext | None = None,
) -> Any:
    """What an endpoint collected, as a DataFrame (inputs, prediction, timestamp), read by the
    workspace's reader (``open_collected``): a local endpoint's requests, or an Azure ML
    endpoint's data collector files (downloaded)."""
    body = text.removeprefix(ENDPOINT_PREFIX)
    workspace, sep, name = body.partition("/")
    if not sep or not workspace or not name or "/" in name:
        raise InvalidInput(
            f"cannot read endpoint reference {text!r}",
            hint="write endpoint:WORKSPACE/ENDPOINT, e.g. endpoint:prod/churn",
        )
    reader = open_collected(config.workspace(workspace))
    return reader.load(name, time_slice, workdir=workdir, ctx=ctx)


def resolve_source(config: AppConfig, text: str, workdir: Path | None = None) -> Path:
    """A local path for a file or ``model:`` source (files are returned as they are).

    A ``model:`` source is downloaded into ``workdir``, which the caller owns and removes."""
    if not is_model_reference(text):
        return Path(text).expanduser()
    if workdir is None:
        raise TypeError("resolve_source needs a workdir for a model: source")
    return training_data_of(config, ModelReference.parse(text), workdir)


def load_source(
    config: AppConfig,
    text: str,
    *,
    timestamp: str | None = None,
    workdir: Path | None = None,
    ctx: TaskContext | None = None,
    open_collected: OpenCollectedData | None = None,
) -> tuple[Any, str]:
    """A DataFrame for any source string, time slice applied, and the name to report it by.

    ``open_collected`` reads ``endpoint:`` sources (the caller gets it from the ports layer);
    ``ctx`` reports the download of an Azure ML endpoint's collected data and cancels it."""
    from mlops_desktop.drift.io import load_table

    base, time_slice = split_slice(text)
    if is_endpoint_reference(base):
        if open_collected is None:
            raise TypeError("load_source needs open_collected for an endpoint: source")
        frame = endpoint_data(
            config, base, time_slice, open_collected=open_collected, workdir=workdir, ctx=ctx
        )
        return frame, text
    if is_model_reference(base):
        # The downloaded copy lives only while it is read (in memory): gone after success,
        # an error, Ctrl+C or a cancel.
        with tempfile.TemporaryDirectory(prefix="mlops-drift-", dir=workdir) as tmp:
            frame = load_table(resolve_source(config, base, Path(tmp)))
    else:
        frame = load_table(resolve_source(config, base))
    if time_slice is not None:
        frame = time_slice.apply(frame, timestamp or ENDPOINT_TIMESTAMP, text)
        if frame.empty:
            raise NotFound(f"{text}: no rows in that time slice")
    return frame, text
