"""Production data an Azure ML online deployment's data collector wrote to blob storage.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. With data
collection on, a managed online deployment writes each collection (``model_inputs``,
``model_outputs``, …) as JSON Lines of CloudEvents envelopes into the workspace's default
datastore at ``modelDataCollector/ENDPOINT/DEPLOYMENT/COLLECTION/YYYY/MM/DD/HH/*.jsonl``
(``…/DD/*.jsonl`` with a daily rolling rate). Only the folders of the requested hours are
listed: a whole day by its day folder, the partial days at either end hour by hour.
The downloaded folder keeps that layout under ``dest/DEPLOYMENT/COLLECTION/`` and is read by
:func:`mlops_desktop.drift.io.load_table` as it is.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml.errors import describe_workspace
from mlops_desktop.backends.azureml.model_files import open_container, storage_errors
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig

#: Folder of the default datastore the data collector writes to.
COLLECTOR_ROOT = "modelDataCollector"
DEFAULT_COLLECTION = "model_inputs"
#: Longest range fetched at once: a year of hourly folders is already ~400 listings.
MAX_RANGE = timedelta(days=366)
_CHUNK = 4 * 1024 * 1024
ENABLE_HINT = (
    "turn data collection on for the deployment (deployment YAML: data_collector: collections: "
    "model_inputs: enabled: 'true'; see Azure ML's 'Collect production data from models "
    "deployed for real-time inferencing'), send it traffic, or widen the time range"
)


@dataclass(frozen=True)
class CollectedFiles:
    """What :meth:`AzureCollectedData.download_collected_data` brought down."""

    folder: Path
    endpoint: str
    deployments: list[str]
    collection: str
    since: datetime
    until: datetime
    #: Blob names, in the order they were downloaded.
    blobs: list[str] = field(default_factory=list)
    n_bytes: int = 0


def collector_prefix(endpoint: str, deployment: str, collection: str) -> str:
    """``modelDataCollector/ENDPOINT/DEPLOYMENT/COLLECTION/``: where a collection is written."""
    return f"{COLLECTOR_ROOT}/{endpoint}/{deployment}/{collection}/"


def time_prefixes(since: datetime, until: datetime, *, daily: bool = False) -> list[str]:
    """``YYYY/MM/DD/`` and ``YYYY/MM/DD/HH/`` folders covering ``[since, until)`` (UTC).

    Days wholly inside the range are one day folder (one listing instead of 24); the hours of
    partial days are listed one by one. ``daily`` (a daily rolling rate): day folders only.
    """
    start = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = until.astimezone(UTC)
    prefixes: list[str] = []
    hour = start
    while hour < end:
        day = hour.replace(hour=0)
        next_day = day + timedelta(days=1)
        if daily or (hour == day and next_day <= end):
            prefixes.append(day.strftime("%Y/%m/%d/"))
            hour = next_day
        else:
            prefixes.append(hour.strftime("%Y/%m/%d/%H/"))
            hour += timedelta(hours=1)
    return prefixes


class AzureCollectedData:
    """Download what an online deployment's data collector wrote to storage."""

    client: Any
    workspace: WorkspaceConfig

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def download_collected_data(
        self,
        endpoint: str,
        dest: Path,
        *,
        deployment: str | None = None,
        collection: str = DEFAULT_COLLECTION,
        since: datetime | None = None,
        until: datetime | None = None,
        ctx: TaskContext | None = None,
    ) -> CollectedFiles:
        """Download the ``collection`` files of ``endpoint`` (one ``deployment``, or all of
        them) written in ``[since, until)`` (default: the last 7 days) into ``dest``.

        Whole hours are fetched (a collector file holds one hour); the events' own ``time``
        says exactly when. Raises ``NotFound`` for an unknown endpoint or deployment and when
        nothing was collected in the range; storage failures as :func:`open_container`.
        """
        ctx = ctx or TaskContext()
        until = (until or datetime.now(UTC)).astimezone(UTC)
        since = (since or until - timedelta(days=7)).astimezone(UTC)
        _check_range(since, until)
        action = f"fetch the data collected by {endpoint}"
        ctx.progress(0, 1, f"reading endpoint {endpoint}")
        deployments = self._collector_deployments(endpoint, deployment)
        ctx.progress(0, 1, f"checking the storage of {self.workspace.name}")
        opened = open_container(self, None, action=action)
        if opened is None:
            raise InvalidInput(
                f"{action}: the default datastore of {describe_workspace(self.workspace)} is "
                "not a blob container, so the data collector does not write there"
            )
        target, container = opened
        request = _Request(endpoint, deployments, collection, since, until)
        with contextlib.closing(container), storage_errors(self.workspace, action, target):
            blobs = self._list_blobs(container, request, ctx)
            if not blobs:
                message = _nothing_message(
                    self.workspace, endpoint, deployment, collection, since, until
                )
                raise NotFound(message, hint=ENABLE_HINT)
            total = sum(size for _, size in blobs)
            done = 0
            for name, size in blobs:
                ctx.progress(done, total, f"downloading {name.rsplit('/', 1)[-1]}")
                local = dest / name.removeprefix(f"{COLLECTOR_ROOT}/{endpoint}/")
                _download(container, name, local)
                done += size
        ctx.progress(total, total, f"downloaded {len(blobs)} files ({total} bytes)")
        names = [d for d, _ in deployments]
        return CollectedFiles(
            dest, endpoint, names, collection, since, until, [n for n, _ in blobs], total
        )

    def _collector_deployments(
        self, endpoint: str, deployment: str | None
    ) -> list[tuple[str, bool]]:
        """``(name, daily rolling)`` of the deployments to fetch; NotFound names what is
        missing."""
        where = describe_workspace(self.workspace)
        try:
            with self._call(f"read endpoint {endpoint}"):
                self.client.online_endpoints.get(endpoint)
                found = list(self.client.online_deployments.list(endpoint))
        except NotFound as exc:
            raise NotFound(
                f"no online endpoint {endpoint!r} in {where}",
                hint="`mlops-desktop endpoints list -w WORKSPACE` shows the endpoints",
            ) from exc
        names = sorted(str(d.name) for d in found)
        if deployment is not None:
            found = [d for d in found if str(d.name) == deployment]
            if not found:
                raise NotFound(
                    f"endpoint {endpoint!r} in {where} has no deployment {deployment!r}",
                    hint=f"its deployments: {', '.join(names) or 'none'}",
                )
        if not found:
            raise NotFound(f"endpoint {endpoint!r} in {where} has no deployments, so no data")
        return [(str(d.name), _daily(d)) for d in sorted(found, key=lambda d: str(d.name))]

    def _list_blobs(
        self,
        container: Any,
        request: _Request,
        ctx: TaskContext,
    ) -> list[tuple[str, int]]:
        """``(blob name, size)`` of the collector files in the requested folders, in order."""
        blobs: list[tuple[str, int]] = []
        for deployment, daily in request.deployments:
            root = collector_prefix(request.endpoint, deployment, request.collection)
            prefixes = time_prefixes(request.since, request.until, daily=daily)
            for number, prefix in enumerate(prefixes):
                ctx.progress(number, len(prefixes), f"listing {deployment} {prefix.rstrip('/')}")
                found = container.list_blobs(name_starts_with=root + prefix)
                blobs += sorted((b.name, int(b.size or 0)) for b in found if b.size)
        return blobs


@dataclass(frozen=True)
class _Request:
    endpoint: str
    deployments: list[tuple[str, bool]]
    collection: str
    since: datetime
    until: datetime


def _daily(deployment: Any) -> bool:
    collector = getattr(deployment, "data_collector", None)
    return str(getattr(collector, "rolling_rate", "") or "").lower() == "day"


def _check_range(since: datetime, until: datetime) -> None:
    if since >= until:
        raise InvalidInput(
            f"empty time range: {since.isoformat()} is not before {until.isoformat()}"
        )
    if until - since > MAX_RANGE:
        raise InvalidInput(
            f"time range of {(until - since).days} days is too long",
            hint=f"fetch at most {MAX_RANGE.days} days at once",
        )


def _nothing_message(
    workspace: WorkspaceConfig,
    endpoint: str,
    deployment: str | None,
    collection: str,
    since: datetime,
    until: datetime,
) -> str:
    which = (
        f"deployment {deployment!r} of endpoint {endpoint!r}"
        if deployment
        else (f"endpoint {endpoint!r}")
    )
    return (
        f"nothing collected ({collection}) by {which} in {describe_workspace(workspace)} "
        f"between {since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC: data collection may "
        "be off for it"
    )


def _download(container: Any, name: str, path: Path) -> None:
    """Stream one blob to ``path`` through a temporary name, so a cancelled or failed fetch
    never leaves a truncated file that would read as data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            container.download_blob(name).readinto(out)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
