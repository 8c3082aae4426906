"""The ``CollectedData`` port: the requests a workspace's endpoints collected, for drift.

* MLflow workspaces: the local endpoints' routers record every request (inputs, prediction,
  time), all of it kept on this machine;
* Azure ML workspaces: online deployments with data collection on write their inputs to the
  workspace's blob storage, fetched by the hour.

Callers (the Drift page, ``drift report``/``drift fetch``, the retraining checks) get a reader
from :func:`open_collected_data` and read what it declares (``whole_history``, ``fetch``)
instead of asking which kind of workspace it is. The readers wrap the monitoring workflows
(:mod:`~mlops_desktop.monitoring.local_collected`,
:mod:`~mlops_desktop.monitoring.azure_collected`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.monitoring.sources import EndpointDataReader, TimeSlice

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.collected_data import CollectedFiles

#: ``(endpoint, [deployment, …])`` of the endpoints whose collected data can be read.
EndpointList = list[tuple[str, list[str]]]

#: The collection an Azure ML data collector writes the model's inputs to.
MODEL_INPUTS = "model_inputs"


class CollectedData(EndpointDataReader, Protocol):
    """One workspace's collected request data (speaks in DataFrames and plain names)."""

    workspace: WorkspaceConfig
    #: Whether "everything collected" is a sensible window (false when fetched by the hour).
    whole_history: bool
    #: Whether the collector's raw files can be downloaded into a folder (``drift fetch``).
    fetch: Capability

    def list_endpoints(self) -> EndpointList:
        """The endpoints (and their deployments) offering collected data; MlopsError when the
        workspace cannot be reached."""
        ...

    def download(
        self,
        endpoint: str,
        dest: Path,
        *,
        deployment: str | None = None,
        collection: str = MODEL_INPUTS,
        since: datetime | None = None,
        until: datetime | None = None,
        ctx: TaskContext | None = None,
    ) -> CollectedFiles:
        """Download the collector's files of ``[since, until)`` into ``dest`` (only when
        :attr:`fetch` is supported; InvalidInput otherwise)."""
        ...


@dataclass(frozen=True, slots=True)
class LocalCollectedData:
    """The local endpoints' recorded requests of an MLflow workspace."""

    workspace: WorkspaceConfig
    whole_history: ClassVar[bool] = True
    fetch: ClassVar[Capability] = Capability(
        False,
        "local endpoints keep their requests on this machine: "
        "use endpoint:WORKSPACE/ENDPOINT as a drift source",
    )

    def list_endpoints(self) -> EndpointList:
        """The local endpoints and their deployments (without probing their processes)."""
        from mlops_desktop.serving.manager import EndpointManager

        endpoints = EndpointManager(self.workspace).list_endpoints(probe=False)
        return [(e.name, [d.name for d in e.deployments]) for e in endpoints]

    def load(
        self,
        endpoint: str,
        time_slice: TimeSlice | None,
        *,
        workdir: Path | None = None,
        ctx: TaskContext | None = None,
    ) -> Any:
        """The requests ``endpoint`` recorded in the slice."""
        from mlops_desktop.monitoring.local_collected import local_endpoint_data

        return local_endpoint_data(self.workspace, endpoint, time_slice)

    def download(self, endpoint: str, dest: Path, **_options: Any) -> CollectedFiles:
        """Local endpoints have no collector files to download."""
        raise InvalidInput(
            f"workspace {self.workspace.name!r} is not an Azure ML workspace",
            hint="this command acts on Azure ML workspaces (`workspaces list` shows the kinds)",
        )


@dataclass(frozen=True, slots=True)
class AzureCollectedData:
    """What an Azure ML workspace's online deployments' data collectors wrote to storage."""

    workspace: WorkspaceConfig
    # The data is fetched by the hour: "everything" would be unbounded.
    whole_history: ClassVar[bool] = False
    fetch: ClassVar[Capability] = Capability(True)

    def list_endpoints(self) -> EndpointList:
        """The workspace's online endpoints and their deployments."""
        from mlops_desktop.backends.azureml.backend import AzureMlBackend

        backend = AzureMlBackend(self.workspace)
        try:
            return [
                (e.name, [d.name for d in e.deployments]) for e in backend.list_online_endpoints()
            ]
        finally:
            backend.close()

    def load(
        self,
        endpoint: str,
        time_slice: TimeSlice | None,
        *,
        workdir: Path | None = None,
        ctx: TaskContext | None = None,
    ) -> Any:
        """The inputs ``endpoint``'s deployments collected in the slice (downloaded)."""
        from mlops_desktop.monitoring.azure_collected import azure_endpoint_data

        return azure_endpoint_data(self.workspace, endpoint, time_slice, workdir=workdir, ctx=ctx)

    def download(
        self,
        endpoint: str,
        dest: Path,
        *,
        deployment: str | None = None,
        collection: str = MODEL_INPUTS,
        since: datetime | None = None,
        until: datetime | None = None,
        ctx: TaskContext | None = None,
    ) -> CollectedFiles:
        """The collector's files of the range, downloaded into ``dest``."""
        from mlops_desktop.backends.azureml.backend import AzureMlBackend

        backend = AzureMlBackend(self.workspace)
        try:
            return backend.download_collected_data(
                endpoint,
                dest,
                deployment=deployment,
                collection=collection,
                since=since,
                until=until,
                ctx=ctx,
            )
        finally:
            backend.close()


def open_collected_data(workspace: WorkspaceConfig) -> CollectedData:
    """The collected-data reader of ``workspace`` (see :meth:`WorkspacePorts.collected_data`)."""
    from mlops_desktop.ports.provider import ports_of

    return ports_of(workspace).collected_data()
