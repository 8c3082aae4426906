"""The Azure ML backend: one azure-ai-ml ``MLClient`` per backend instance.

azure-ai-ml does not document ``MLClient`` as thread-safe, so every backend instance builds its
own client and credential: open one backend per worker thread (``open_backend`` is cheap once
the SDK is imported). Everything crosses the boundary as core entities or the dataclasses of
:mod:`.entities`, and failures as core errors (:mod:`.errors`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlops_desktop.backends.azureml import last_known, mapping, permission_cache
from mlops_desktop.backends.azureml.collected_data import AzureCollectedData
from mlops_desktop.backends.azureml.credentials import (
    DeviceCodePrompt,
    build_credential,
    identity_from_claims,
    interactive_credential,
    save_authentication_record,
    token_claims,
)
from mlops_desktop.backends.azureml.endpoint_actions import AzureEndpointActions
from mlops_desktop.backends.azureml.endpoint_lifecycle import AzureEndpointLifecycle
from mlops_desktop.backends.azureml.errors import Offline, translated_errors
from mlops_desktop.backends.azureml.job_actions import AzureJobActions
from mlops_desktop.backends.azureml.job_logs import AzureJobLogs
from mlops_desktop.backends.azureml.last_known import LastKnownVersions
from mlops_desktop.backends.azureml.model_containers import AzureModelContainers
from mlops_desktop.backends.azureml.permissions import (
    PERMISSIONS_API_VERSION,
    PermissionCheck,
    WorkspacePermissions,
    parse_permissions,
)
from mlops_desktop.backends.azureml.reads import AzureResourceReads
from mlops_desktop.backends.azureml.registry_writes import AzureRegistryWrites
from mlops_desktop.backends.azureml.schedule_actions import AzureScheduleActions
from mlops_desktop.core.azure_clouds import resolve_cloud
from mlops_desktop.core.azure_settings import AzureSettings
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import (
    Capabilities,
    Capability,
    ConnectionInfo,
    ConnectionState,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlops_desktop.core.errors import (
    AuthError,
    Cancelled,
    InvalidInput,
    MlopsError,
    NotFound,
    Unavailable,
)
from mlops_desktop.core.tasks import TaskContext

log = logging.getLogger(__name__)

_TERMINAL_JOB_STATES = {"Completed", "Failed", "Canceled"}


class AzureMlBackend(
    AzureResourceReads,
    AzureEndpointActions,
    AzureEndpointLifecycle,
    AzureModelContainers,
    AzureJobActions,
    AzureJobLogs,
    AzureScheduleActions,
    AzureRegistryWrites,
    AzureCollectedData,
):
    """Implements :class:`mlops_desktop.backends.base.Backend` for Azure Machine Learning.

    ``settings`` default to :meth:`AzureSettings.from_env`. Construction does no network I/O.
    """

    def __init__(self, workspace: WorkspaceConfig, *, settings: AzureSettings | None = None):
        if workspace.azure is None:
            raise InvalidInput(f"workspace {workspace.name!r} has no Azure settings")
        self.workspace = workspace
        self.settings = settings or AzureSettings.from_env()
        self.cloud = resolve_cloud(workspace.azure)
        self.credential = build_credential(self.settings, workspace.azure, self.cloud)
        #: Set when the last ``list_model_versions`` answered from the last-known cache.
        self.served_from_cache: LastKnownVersions | None = None
        #: What the last model listing could not read (one model's versions, …); the rest
        #: was listed. Empty when everything was read.
        self.read_problems: tuple[str, ...] = ()
        self._runs: dict[str, Run] = {}
        self._permissions: WorkspacePermissions | None = None
        self.client = self._make_client()

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of every ``MLClient`` this backend makes (cloud, retries, TLS)."""
        kwargs: dict[str, Any] = {
            **self.cloud.client_kwargs(),
            **self.settings.client_kwargs(),
            "enable_telemetry": False,
            "show_progress": False,
        }
        if self.settings.ca_bundle:
            kwargs["connection_verify"] = self.settings.ca_bundle
        return kwargs

    def _make_client(self) -> Any:
        from azure.ai.ml import MLClient

        azure = self.workspace.azure
        assert azure is not None
        with self._call("connect"):
            return MLClient(
                self.credential,
                azure.subscription_id,
                azure.resource_group,
                azure.workspace_name,
                **self.client_kwargs(),
            )

    # -- plumbing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _call(self, action: str) -> Iterator[None]:
        with translated_errors(self.workspace, action, lambda: self.identity):
            yield

    @property
    def identity(self) -> str:
        """Who the last token was issued to ("" before the first call)."""
        token = self.credential.last_token
        return identity_from_claims(token_claims(token)) if token else ""

    # -- connection and sign-in ----------------------------------------------------------

    def capabilities(self) -> Capabilities:
        """Models (promotion included), runs and compute. ``endpoints`` and ``jobs`` mean the
        app's *local* serving and job runner, which Azure ML does not use: its online
        endpoints, jobs and schedules are read and changed through this backend's own methods
        (:meth:`list_online_endpoints`, :meth:`create_deployment`,
        :meth:`submit_retraining_job`, …), which the Endpoints and Jobs pages and the CLI call.
        """
        return Capabilities(
            endpoints=Capability(
                False,
                "Azure ML runs its online endpoints itself: they are listed from the workspace, "
                "not started or stopped on this machine",
            ),
            jobs=Capability(
                False,
                "Azure ML runs its jobs on its own compute: they are listed from the workspace, "
                "not run on this machine",
            ),
            compute=Capability(True),
        )

    def check_connection(self) -> ConnectionInfo:
        """Sign in (token claims name the identity), then read the workspace resource."""
        try:
            with self._call("sign in"):
                self.credential.get_token(self.cloud.scope)
        except MlopsError as exc:
            return ConnectionInfo(ConnectionState.AUTH_REQUIRED, str(exc))
        identity = self.identity
        try:
            info = self.workspace_info()
        except AuthError as exc:
            return ConnectionInfo(ConnectionState.AUTH_REQUIRED, str(exc), identity)
        except Offline as exc:
            return ConnectionInfo(ConnectionState.OFFLINE, str(exc), identity)
        except MlopsError as exc:
            return ConnectionInfo(ConnectionState.ERROR, str(exc), identity)
        from azure.ai.ml import __version__ as sdk_version

        detail = f"{info.name} in {info.location}" if info.location else info.name
        return ConnectionInfo(
            ConnectionState.ONLINE, detail, identity, f"azure-ai-ml {sdk_version}"
        )

    def sign_in(self, prompt: DeviceCodePrompt | None = None) -> str:
        """Interactive sign-in (browser or device code); returns the signed-in identity.

        Saves the authentication record (no secret) so later starts sign in silently from
        azure-identity's encrypted token cache. ``prompt(verification_uri, user_code, expires)``
        shows the device code to the person. Other credential kinds need no sign-in here.
        """
        kind = self.settings.credential
        azure = self.workspace.azure
        assert azure is not None
        if not kind.is_interactive:
            raise InvalidInput(
                f"the {kind.value} credential signs in outside the app",
                hint="use `az login`, or set MLOPS_DESKTOP_AZURE_CREDENTIAL=browser",
            )
        with self._call("sign in"):
            interactive = interactive_credential(
                kind, azure, self.cloud, prompt=prompt, silent=False
            )
            record = interactive.authenticate(scopes=[self.cloud.scope])
            save_authentication_record(record, kind, azure, self.cloud)
            self.credential.replace(interactive_credential(kind, azure, self.cloud, record))
            self.credential.get_token(self.cloud.scope)
        # Someone else may have signed in: what the old identity could do no longer holds.
        permission_cache.invalidate(self.arm_id)
        self._permissions = None
        return self.identity

    # -- permissions ---------------------------------------------------------------------

    @property
    def arm_id(self) -> str:
        """``/subscriptions/…/providers/Microsoft.MachineLearningServices/workspaces/NAME``."""
        azure = self.workspace.azure
        assert azure is not None
        return (
            f"/subscriptions/{azure.subscription_id}/resourceGroups/{azure.resource_group}"
            f"/providers/Microsoft.MachineLearningServices/workspaces/{azure.workspace_name}"
        )

    def permissions(self, *, refresh: bool = False) -> WorkspacePermissions:
        """The signed-in identity's effective RBAC permissions on this workspace.

        ARM's ``Microsoft.Authorization/permissions``, read once per workspace, identity and
        session (:mod:`.permission_cache`: every backend of the process shares the answer);
        ``refresh`` reads again (after a role change).
        """
        if self._permissions is None or refresh:
            with self._call("read your permissions"):
                self.credential.get_token(self.cloud.scope)  # who asks is part of the key
            claims = token_claims(self.credential.last_token)
            who = "/".join(str(claims.get(k) or "") for k in ("tid", "oid")) or self.identity
            key = permission_cache.cache_key(self.cloud.resource_manager, self.arm_id, who)
            self._permissions = permission_cache.cached(
                key, self._read_permissions, refresh=refresh
            )
        return self._permissions

    def _read_permissions(self) -> WorkspacePermissions:
        from mlops_desktop.backends.azureml.arm import arm_get_pages

        path = f"{self.arm_id}/providers/Microsoft.Authorization/permissions"
        with self._call("read your permissions"):
            pages = arm_get_pages(
                self.credential, self.cloud, self.settings, path, PERMISSIONS_API_VERSION
            )
        return parse_permissions(
            pages, workspace=self.workspace.name, scope=self.arm_id, identity=self.identity
        )

    def check_permission(self, operation: str) -> PermissionCheck:
        """Whether the identity may do ``operation`` (an app operation or an Azure action)."""
        return self.permissions().check(operation)

    def require_permission(self, operation: str) -> None:
        """Raise ``PermissionDenied`` naming the missing action before a doomed write."""
        check = self.check_permission(operation)
        if not check.allowed:
            from mlops_desktop.backends.azureml.errors import describe_workspace
            from mlops_desktop.core.errors import PermissionDenied

            who = self.identity or "the signed-in identity"
            raise PermissionDenied(
                f"{who} may not {operation.replace('_', ' ')} in "
                f"{describe_workspace(self.workspace)}: {check.reason}",
                hint=f"ask an Owner of the workspace for a role that grants "
                f"{', '.join(check.missing)} (e.g. AzureML Data Scientist)",
            )

    # -- models --------------------------------------------------------------------------

    def list_registered_models(self, ctx: TaskContext | None = None) -> list[RegisteredModel]:
        """Every model container with the alias map its versions' tags make."""
        containers, versions = self._read_registry(ctx, with_runs=False)
        return [
            mapping.registered_model_from_azure(
                c, [v for v in versions if v.registered_name == c.name]
            )
            for c in containers
        ]

    def list_model_versions(
        self, ctx: TaskContext | None = None, *, with_runs: bool = True
    ) -> list[ModelVersion]:
        """Every active version of every model, with aliases and (optionally) source runs.

        When Azure cannot be reached, answers from the last-known cache and sets
        :attr:`served_from_cache` (see :mod:`.last_known`); otherwise refreshes the cache.
        """
        try:
            _, versions = self._read_registry(ctx, with_runs=with_runs)
        except Unavailable as exc:
            cached = last_known.load(self.workspace, reason=str(exc))
            if cached is None:
                raise
            log.warning(
                "workspace %r is unreachable; showing its model versions as of %s (%s)",
                self.workspace.name,
                cached.saved_at.isoformat(timespec="seconds"),
                exc.message,
            )
            self.served_from_cache = cached
            return list(cached.versions)
        self.served_from_cache = None
        if with_runs and not self.read_problems:  # a partial read would hide models later
            try:
                last_known.save(self.workspace, versions)
            except OSError as exc:
                log.warning("cannot write the last-known cache: %s", exc)
        return versions

    def last_known(self) -> LastKnownVersions | None:
        """The versions saved by the last successful listing, without touching the network."""
        return last_known.load(self.workspace)

    def _read_registry(
        self, ctx: TaskContext | None, *, with_runs: bool
    ) -> tuple[list[Any], list[ModelVersion]]:
        if ctx:
            ctx.progress(0, 1, "models")
        with self._call("list models"):
            containers = sorted(self.client.models.list(), key=lambda m: str(m.name))
        raw: list[Any] = []
        problems: list[str] = []
        for index, container in enumerate(containers):
            if ctx:
                ctx.progress(index, len(containers) + 1, f"versions of {container.name}")
            try:
                with self._call(f"list versions of {container.name}"):
                    raw.extend(self.client.models.list(name=container.name))
            except (AuthError, Cancelled, Offline):
                raise  # the whole workspace is unreadable, not one model
            except MlopsError as exc:  # one model's versions: the other models still count
                log.warning("workspace %r: %s", self.workspace.name, exc.message)
                problems.append(exc.message)
        self.read_problems = tuple(problems)
        raw.sort(key=lambda m: (str(m.name), _version_key(str(m.version))))
        runs: dict[str, Run] = {}
        if with_runs:
            if ctx:
                ctx.progress(len(containers), len(containers) + 1, "source jobs")
            runs = self._runs_by_job({j for m in raw if (j := mapping.job_name_of(m))}, ctx)
        versions = [self._version(m, runs if with_runs else None) for m in raw]
        if ctx:
            ctx.progress(1, 1, f"{len(versions)} versions")
        return containers, versions

    def _version(self, model: Any, runs: dict[str, Run] | None) -> ModelVersion:
        run = None
        if runs is not None:
            job = mapping.job_name_of(model)
            run = mapping.merge_version_metrics(runs.get(job) if job else None, model, job)
        return mapping.model_version_from_azure(self.workspace, model, run)

    def _runs_by_job(self, job_names: set[str], ctx: TaskContext | None) -> dict[str, Run]:
        """Runs of the named jobs; jobs that are not in this workspace are skipped."""
        runs: dict[str, Run] = {}
        for name in sorted(job_names):
            if ctx:
                ctx.check()
            with contextlib.suppress(NotFound):
                runs[name] = self.get_run(name)
        return runs

    def get_model_version(self, registered_name: str, version: str) -> ModelVersion:
        """One version with its source job's run (params, metrics, inputs)."""
        with self._call(f"read {registered_name} version {version}"):
            model = self.client.models.get(registered_name, str(version))
        job = mapping.job_name_of(model)
        runs = self._runs_by_job({job}, None) if job else {}
        return self._version(model, runs)

    def get_model_version_by_alias(self, registered_name: str, alias: str) -> ModelVersion:
        """The newest version whose ``mlops.aliases``/``alias`` tag names ``alias``."""
        with self._call(f"resolve {registered_name}@{alias}"):
            candidates = [
                m
                for m in self.client.models.list(name=registered_name)
                if alias in mapping.parse_aliases(dict(m.tags or {}))
            ]
        if not candidates:
            raise NotFound(
                f"no version of {registered_name!r} carries alias {alias!r} in workspace "
                f"{self.workspace.name!r}",
                hint=f"Azure ML keeps aliases in the {mapping.ALIAS_TAG!r} version tag",
            )
        newest = max(candidates, key=lambda m: _version_key(str(m.version)))
        return self.get_model_version(registered_name, str(newest.version))

    def download_run_artifacts(self, run_id: str, artifact_path: str, dest: Path) -> Path | None:
        """Not available for Azure ML jobs yet: always None (the run has no readable folder)."""
        log.info("artifact download from Azure ML job %s is not supported yet", run_id)
        return None

    # -- runs (jobs) ----------------------------------------------------------------------

    def get_run(self, run_id: str) -> Run:
        """One job as a run; finished jobs are remembered for this backend's lifetime."""
        if run_id in self._runs:
            return self._runs[run_id]
        with self._call(f"read job {run_id}"):
            run = mapping.run_from_job(self.client.jobs.get(run_id))
        if run.status in _TERMINAL_JOB_STATES:
            self._runs[run_id] = run
        return run

    def _all_runs(self) -> list[Run]:
        with self._call("list jobs"):
            return [mapping.run_from_job(job) for job in self.client.jobs.list()]

    def list_experiments(self) -> list[Experiment]:
        """Experiments named by the workspace's jobs (id = name)."""
        return mapping.experiments_from_runs(self._all_runs())

    def list_runs(self, experiment_ids: list[str], max_results: int = 100) -> list[Run]:
        """The newest jobs of the given experiments."""
        wanted = set(experiment_ids)
        runs = [r for r in self._all_runs() if r.experiment_id in wanted]
        runs.sort(key=lambda r: r.start_time.timestamp() if r.start_time else 0.0, reverse=True)
        return runs[:max_results]

    def close(self) -> None:
        """Close the credential (the SDK's HTTP sessions close with the process)."""
        self.credential.close()


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)
