"""Azure ML workspaces with real model files: the loopback ARM, Azurite and a CONNECT proxy.

Use the ``azure_blob_env`` fixture (:mod:`azure_blob_fixtures`) for a fresh environment::

    def test_promote(azure_blob_env: BlobEnvironment, tmp_path: Path) -> None:
        dev = azure_blob_env.backend(Stage.DEV)
        folder = save_sklearn_model(tmp_path / "model")
        version = register_model_folder(dev, "churn-files", folder, tags={"team": "ml"})
        staging = azure_blob_env.backend(Stage.STAGING)
        copied = staging.copy_model_version_from(dev, "churn-files", version)
        assert azure_blob_env.blob_names(Stage.STAGING)  # the files are in staging's storage

Every workspace of the data set (dev, staging, prod) has its own default datastore
``workspaceblobstore`` (its own container in Azurite's ``devstoreaccount1``). The SDK reaches
``https://devstoreaccount1.blob.<suffix>`` through ``HTTPS_PROXY``; ARM and MLflow stay direct
(``NO_PROXY=127.0.0.1,localhost``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from arm_server import ArmTestServer, AzStandIn
from arm_server.datastores import (
    DEFAULT_DATASTORE,
    STORAGE_ACCOUNT,
    STORAGE_ACCOUNT_KEY,
    datastore_containers,
)
from arm_server.storage_seed import save_sklearn_model, seed_model_files
from arm_server.tls import STORAGE_SUFFIX
from azure_helpers import WORKSPACES, azure_workspace, quick_settings
from azurite import Azurite
from connect_proxy import BlobConnectProxy

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.policy import GatePolicy, PolicyConfig, RolloutPolicy, StagePolicy
from mlops_desktop.core.stages import Stage

__all__ = [
    "ACCOUNT_URL",
    "BlobEnvironment",
    "create_containers",
    "model_with_holdout",
    "promotion_policies",
    "register_model_folder",
    "save_sklearn_model",
    "use_blob_proxy",
]

#: ``https://devstoreaccount1.blob.<suffix>``: the production-style URL of the emulated account.
ACCOUNT_URL = f"https://{STORAGE_ACCOUNT}.blob.{STORAGE_SUFFIX}"


def use_blob_proxy(monkeypatch: pytest.MonkeyPatch, proxy: BlobConnectProxy) -> None:
    """Send HTTPS to anything but loopback through ``proxy`` (both spellings: requests reads
    the lower-case ones first)."""
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class BlobEnvironment:
    """A fresh ARM test server whose workspaces store files in a fresh Azurite.

    ``az`` is signed in as the ML lead (Contributor everywhere); :meth:`sign_in` switches.
    """

    server: ArmTestServer
    azurite: Azurite
    proxy: BlobConnectProxy
    az: AzStandIn
    _backends: list[AzureMlBackend] = field(default_factory=list)

    def backend(self, stage: Stage, *, name: str | None = None, **settings: Any) -> AzureMlBackend:
        """An app backend for the workspace of ``stage`` (``name`` defaults to the stage)."""
        backend = AzureMlBackend(
            azure_workspace(self.server, stage, name=name), settings=quick_settings(**settings)
        )
        self._backends.append(backend)
        return backend

    def sign_in(self, who: str) -> None:
        """Sign the stand-in ``az`` in as another principal of the data set."""
        data = self.server.dataset
        self.az.login(data.principal(who), data.tenant_id, subscription=data.subscription_id)

    def container(self, stage: Stage, datastore: str = DEFAULT_DATASTORE) -> str:
        """The blob container behind ``datastore`` of the workspace of ``stage``."""
        return datastore_containers(self._workspace_data(stage))[datastore]

    def container_client(self, stage: Stage, datastore: str = DEFAULT_DATASTORE) -> Any:
        """An azure-storage-blob ``ContainerClient`` on that container (through the proxy)."""
        from azure.storage.blob import ContainerClient

        return ContainerClient(
            ACCOUNT_URL,
            self.container(stage, datastore),
            credential={"account_name": STORAGE_ACCOUNT, "account_key": STORAGE_ACCOUNT_KEY},
            retry_total=0,
        )

    def blob_names(self, stage: Stage, prefix: str = "") -> list[str]:
        """Names of the blobs in the default datastore of ``stage`` (under ``prefix``)."""
        client = self.container_client(stage)
        return sorted(b.name for b in client.list_blobs(name_starts_with=prefix or None))

    def seed_model_files(self, folder: Path) -> list[str]:
        """Put ``folder``'s files (e.g. :func:`save_sklearn_model`) at every datastore path the
        data set's model versions name (``churn`` 1–6, ``fraud`` …), so they can be downloaded
        and copied like uploaded ones; returns ``workspace:datastore/path`` of each."""
        return seed_model_files(self.server.dataset, ACCOUNT_URL, folder, retry_total=0)

    def close(self) -> None:
        """Close the backends made by :meth:`backend`."""
        for backend in self._backends:
            backend.close()

    def _workspace_data(self, stage: Stage) -> Any:
        group, name = WORKSPACES[stage]
        ws = self.server.dataset.workspace(self.server.dataset.subscription_id, group, name)
        assert ws is not None
        return ws


def create_containers(server: ArmTestServer) -> None:
    """Provision every datastore container of every workspace in Azurite (as Azure ML does
    when it creates a workspace)."""
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(
        ACCOUNT_URL,
        credential={"account_name": STORAGE_ACCOUNT, "account_key": STORAGE_ACCOUNT_KEY},
        retry_total=0,
    )
    for ws in server.dataset.workspaces:
        for container in datastore_containers(ws).values():
            with contextlib.suppress(ResourceExistsError):
                service.create_container(container)


def register_model_folder(
    backend_or_client: AzureMlBackend | Any,
    name: str,
    folder: Path,
    *,
    tags: dict[str, str] | None = None,
    properties: dict[str, str] | None = None,
    description: str = "",
    version: str | None = None,
) -> str:
    """Register the local model ``folder`` as a version of ``name`` through the real SDK
    upload (into the workspace's default datastore); returns the new version.

    ``backend_or_client`` is an :class:`AzureMlBackend` or an azure-ai-ml ``MLClient``.
    ``properties`` such as ``mlops.metric.rmse`` show as the version's metrics in the app.
    ``version`` defaults to the next free number.
    """
    from azure.ai.ml.entities import Model

    client = getattr(backend_or_client, "client", backend_or_client)
    if version is None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            numbers = [int(m.version) for m in client.models.list(name=name)]
        except ResourceNotFoundError:
            numbers = []
        version = str(max(numbers, default=0) + 1)
    created = client.models.create_or_update(
        Model(
            name=name,
            version=version,
            path=str(folder),
            type="mlflow_model",
            description=description,
            tags=dict(tags or {}),
            properties=dict(properties or {}),
        )
    )
    return str(created.version)


def model_with_holdout(dest: Path, seed: int) -> Path:
    """An MLflow model folder (:func:`save_sklearn_model`) carrying its held-out split at
    ``mlops/holdout.parquet``: how the split travels with a model on Azure ML, where the
    promotion gates read it."""
    import numpy as np
    import pandas as pd

    from mlops_desktop.promotion.evaluation import MODEL_HOLDOUT_FILE

    save_sklearn_model(dest, seed=seed)
    rng = np.random.default_rng(100 + seed)
    frame = pd.DataFrame(rng.normal(size=(30, 3)), columns=["tenure", "spend", "calls"])
    frame["target"] = frame["tenure"] * 2.0 - frame["calls"]
    (dest / MODEL_HOLDOUT_FILE).parent.mkdir(parents=True)
    frame.to_parquet(dest / MODEL_HOLDOUT_FILE)
    return dest


def promotion_policies(approvers: tuple[str, ...] = ("reviewer",)) -> PolicyConfig:
    """The promotion policy of the Azure promotion tests: gates lenient enough for two small
    sklearn models and the loopback's latency, canary 10 % watched 0.3 s; prod needs the
    approval of one of ``approvers``."""

    def stage(**changes: object) -> StagePolicy:
        return StagePolicy(
            gates=GatePolicy(smoke_max_latency_ms=10_000.0, relative_tolerance=0.5),
            rollout=RolloutPolicy(
                canary=(10,), step_seconds=0.3, probe_requests=3, max_latency_ms=10_000.0
            ),
        ).model_copy(update=changes)

    return PolicyConfig(
        stages={
            Stage.STAGING: stage(),
            Stage.PROD: stage(requires_approval=True, approvers=approvers),
        }
    )
