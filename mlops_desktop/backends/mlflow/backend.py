"""The MLflow backend: a local SQLite store or any MLflow tracking server.

One ``MlflowClient`` per backend instance, bound to the workspace's URIs (never MLflow's
process-global tracking URI), so workers can talk to several workspaces at once.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from mlflow import MlflowClient

from mlops_desktop.backends.mlflow import mapping
from mlops_desktop.backends.mlflow.errors import translated_errors
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
from mlops_desktop.core.errors import AuthError, InvalidInput, MlopsError, NotFound
from mlops_desktop.core.identity import current_identity
from mlops_desktop.core.tasks import TaskContext

#: Experiment that records versions imported from another workspace (promotion, demo copies).
IMPORTS_EXPERIMENT = "mlops-desktop-imports"
_RUN_BATCH = 100


class MlflowBackend:
    """Implements :class:`mlops_desktop.backends.base.Backend` for MLflow."""

    def __init__(self, workspace: WorkspaceConfig, *, page_size: int = 1000) -> None:
        if workspace.mlflow is None:
            raise InvalidInput(f"workspace {workspace.name!r} has no MLflow settings")
        self.workspace = workspace
        self.page_size = page_size
        conn = workspace.mlflow
        self._tracking_uri = conn.tracking_uri
        self._ensure_local_store_dir(conn.tracking_uri)
        # Both URIs explicit: MLflow otherwise falls back to process-global defaults.
        self.client = MlflowClient(
            tracking_uri=conn.tracking_uri, registry_uri=conn.registry_uri or conn.tracking_uri
        )

    # -- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _ensure_local_store_dir(uri: str) -> None:
        if uri.startswith("sqlite:///"):
            Path(unquote(uri.removeprefix("sqlite:///"))).expanduser().parent.mkdir(
                parents=True, exist_ok=True
            )

    @property
    def is_remote(self) -> bool:
        """True for an http(s) tracking server."""
        return self._tracking_uri.startswith(("http://", "https://"))

    @contextlib.contextmanager
    def _call(self, action: str) -> Iterator[None]:
        """Error translation plus the server workspace header where one is configured."""
        with translated_errors(self.workspace, action), self._server_workspace():
            yield

    @contextlib.contextmanager
    def _server_workspace(self) -> Iterator[None]:
        name = self.workspace.mlflow.server_workspace if self.workspace.mlflow else None
        if not name:
            yield
            return
        # MLflow's public setter also writes a process-wide env var, which would leak this
        # workspace into requests other threads make for other workspaces; bind only the
        # context variable MLflow reads for the X-MLFLOW-WORKSPACE header.
        from mlflow.utils import workspace_context

        token = workspace_context._WORKSPACE.set(name)
        try:
            yield
        finally:
            workspace_context._WORKSPACE.reset(token)

    # -- protocol: reading ----------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        """MLflow workspaces read and write their registry and serve local endpoints."""
        return Capabilities(endpoints=Capability(True), jobs=Capability(True))

    def check_connection(self) -> ConnectionInfo:
        """Reach the store or server once; an unreachable one is reported, not raised."""
        identity = current_identity()
        if self.is_remote:
            info = self._check_server()
            if info.state is not ConnectionState.ONLINE:
                return info
        try:
            with self._call("connect"):
                self.client.search_registered_models(max_results=1)
        except AuthError as exc:
            return ConnectionInfo(ConnectionState.AUTH_REQUIRED, str(exc), identity)
        except MlopsError as exc:
            return ConnectionInfo(ConnectionState.OFFLINE, str(exc), identity)
        version = ""
        if self.is_remote:
            version = self._server_version()
        return ConnectionInfo(ConnectionState.ONLINE, self.workspace.location, identity, version)

    def _check_server(self) -> ConnectionInfo:
        import requests

        try:
            response = requests.get(self._tracking_uri.rstrip("/") + "/health", timeout=5)
        except requests.RequestException as exc:
            return ConnectionInfo(
                ConnectionState.OFFLINE,
                f"cannot reach {self._tracking_uri}: {type(exc).__name__}",
                current_identity(),
            )
        if response.status_code in (401, 403):
            return ConnectionInfo(
                ConnectionState.AUTH_REQUIRED,
                f"{self._tracking_uri} asks for credentials (HTTP {response.status_code})",
                current_identity(),
            )
        return ConnectionInfo(ConnectionState.ONLINE, self._tracking_uri, current_identity())

    def _server_version(self) -> str:
        import requests

        try:
            response = requests.get(self._tracking_uri.rstrip("/") + "/version", timeout=5)
            return response.text.strip() if response.ok else ""
        except requests.RequestException:
            return ""

    def list_registered_models(self, ctx: TaskContext | None = None) -> list[RegisteredModel]:
        """All registered models, page by page, with their alias maps."""
        models: list[RegisteredModel] = []
        token: str | None = None
        with self._call("list registered models"):
            while True:
                if ctx:
                    ctx.check()
                page = self.client.search_registered_models(
                    max_results=self.page_size, page_token=token
                )
                models.extend(mapping.registered_model_from_mlflow(m) for m in page)
                token = page.token
                if not token:
                    break
        return models

    def list_model_versions(
        self, ctx: TaskContext | None = None, *, with_runs: bool = True
    ) -> list[ModelVersion]:
        """Every version in the registry.

        ``search_model_versions`` returns versions without aliases, so aliases come from
        the registered models' alias maps; source runs are fetched in batches.
        """
        if ctx:
            ctx.progress(0, 3, "registered models")
        aliases_by_version: dict[tuple[str, str], list[str]] = {}
        for model in self.list_registered_models(ctx):
            for alias, version in model.aliases.items():
                aliases_by_version.setdefault((model.name, version), []).append(alias)
        if ctx:
            ctx.progress(1, 3, "model versions")
        raw_versions = []
        token: str | None = None
        with self._call("list model versions"):
            while True:
                if ctx:
                    ctx.check()
                page = self.client.search_model_versions(
                    max_results=self.page_size, page_token=token, order_by=["name ASC"]
                )
                raw_versions.extend(page)
                token = page.token
                if not token:
                    break
        runs: dict[str, Run] = {}
        if with_runs:
            if ctx:
                ctx.progress(2, 3, "source runs")
            run_ids = sorted({v.run_id for v in raw_versions if v.run_id})
            runs = self._fetch_runs(run_ids, ctx)
        versions = [
            mapping.model_version_from_mlflow(
                self.workspace,
                v,
                aliases=tuple(aliases_by_version.get((v.name, str(v.version)), ())),
                run=runs.get(v.run_id) if v.run_id else None,
            )
            for v in raw_versions
        ]
        if ctx:
            ctx.progress(3, 3, f"{len(versions)} versions")
        return versions

    def _fetch_runs(self, run_ids: list[str], ctx: TaskContext | None) -> dict[str, Run]:
        """Runs by id, ``_RUN_BATCH`` per search; runs that vanished are skipped."""
        if not run_ids:
            return {}
        runs: dict[str, Run] = {}
        with self._call("read source runs"):
            experiment_ids = [e.experiment_id for e in self.list_experiments(all_stages=True)]
            for start in range(0, len(run_ids), _RUN_BATCH):
                if ctx:
                    ctx.check()
                batch = run_ids[start : start + _RUN_BATCH]
                quoted = ", ".join(f"'{r}'" for r in batch)
                found = self.client.search_runs(
                    experiment_ids=experiment_ids,
                    filter_string=f"attributes.run_id IN ({quoted})",
                    run_view_type=3,  # ViewType.ALL: a deleted run still explains its version
                    max_results=len(batch),
                )
                for run in found:
                    runs[run.info.run_id] = mapping.run_from_mlflow(run)
        return runs

    def get_model_version(self, registered_name: str, version: str) -> ModelVersion:
        """One version with its aliases (``get_model_version`` carries them) and source run."""
        with self._call(f"read {registered_name} version {version}"):
            raw = self.client.get_model_version(registered_name, str(version))
            run = None
            if raw.run_id:
                with contextlib.suppress(NotFound):
                    run = self.get_run(raw.run_id)
        return mapping.model_version_from_mlflow(self.workspace, raw, run=run)

    def get_model_version_by_alias(self, registered_name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at (e.g. ``champion``)."""
        with self._call(f"resolve {registered_name}@{alias}"):
            raw = self.client.get_model_version_by_alias(registered_name, alias)
        return self.get_model_version(registered_name, str(raw.version))

    def get_run(self, run_id: str) -> Run:
        """One run with params, metrics, tags and datasets."""
        with self._call(f"read run {run_id}"):
            return mapping.run_from_mlflow(self.client.get_run(run_id))

    def list_experiments(self, *, all_stages: bool = False) -> list[Experiment]:
        """Experiments (active ones unless ``all_stages``), all pages."""
        experiments: list[Experiment] = []
        token: str | None = None
        with self._call("list experiments"):
            while True:
                page = self.client.search_experiments(
                    view_type=3 if all_stages else 1, max_results=self.page_size, page_token=token
                )
                experiments.extend(mapping.experiment_from_mlflow(e) for e in page)
                token = page.token
                if not token:
                    break
        return experiments

    def list_runs(self, experiment_ids: list[str], max_results: int = 100) -> list[Run]:
        """The newest runs of the given experiments."""
        with self._call("list runs"):
            found = self.client.search_runs(
                experiment_ids=experiment_ids,
                max_results=max_results,
                order_by=["attributes.start_time DESC"],
            )
        return [mapping.run_from_mlflow(r) for r in found]

    # -- protocol: writing ----------------------------------------------------------------

    def ensure_experiment(self, name: str) -> str:
        """Id of experiment ``name``, creating it (artifacts under the workspace's root)."""
        with self._call(f"create experiment {name}"):
            existing = self.client.get_experiment_by_name(name)
            if existing is not None:
                if existing.lifecycle_stage == "deleted":
                    self.client.restore_experiment(existing.experiment_id)
                return str(existing.experiment_id)
            root = self.workspace.mlflow.artifact_root if self.workspace.mlflow else None
            location = f"{root.rstrip('/')}/{_safe_segment(name)}" if root else None
            return str(self.client.create_experiment(name, artifact_location=location))

    def download_model_version(self, registered_name: str, version: str, dest: Path) -> Path:
        """Copy a version's model files into ``dest`` (a new folder); returns the model dir."""
        import mlflow.artifacts

        with self._call(f"download {registered_name} version {version}"):
            uri = self.client.get_model_version_download_uri(registered_name, str(version))
            dest.mkdir(parents=True, exist_ok=True)
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(dest), tracking_uri=self._tracking_uri
            )
        return Path(local)

    def register_model_version(
        self,
        registered_name: str,
        model_dir: Path,
        *,
        tags: dict[str, str],
        description: str = "",
        source_run: Run | None = None,
        extra_artifacts: dict[str, Path] | None = None,
    ) -> ModelVersion:
        """Register the model files in ``model_dir`` as a new version here.

        The files are uploaded into this workspace's own artifact store (stores are separate)
        through a run in the imports experiment, which also carries the source run's params,
        metrics, tags and datasets, so the new version shows its metrics and lineage here.
        ``extra_artifacts`` (artifact path -> local folder) travel along, e.g. the run's data
        splits that promotion gates and drift references read.
        """
        experiment_id = self.ensure_experiment(IMPORTS_EXPERIMENT)
        with self._call(f"register {registered_name}"):
            run_tags = {k: v for k, v in (source_run.tags if source_run else {}).items()}
            run_tags = {k: v for k, v in run_tags.items() if not k.startswith("mlflow.")}
            run_tags.update(tags)
            run_name = f"import-{registered_name}"
            run = self.client.create_run(experiment_id, run_name=run_name, tags=run_tags)
            run_id = run.info.run_id
            try:
                if source_run is not None:
                    self._copy_run_data(run_id, source_run)
                self.client.log_artifacts(run_id, str(model_dir), "model")
                for artifact_path, folder in (extra_artifacts or {}).items():
                    self.client.log_artifacts(run_id, str(folder), artifact_path)
                self.client.set_terminated(run_id, "FINISHED")
            except Exception:
                self.client.set_terminated(run_id, "FAILED")
                raise
            with contextlib.suppress(Exception):
                self.client.create_registered_model(registered_name)
            created = self.client.create_model_version(
                registered_name,
                source=f"{run.info.artifact_uri}/model",
                run_id=run_id,
                tags=tags,
                description=description or None,
            )
            created = self._await_ready(created)
        return self.get_model_version(registered_name, str(created.version))

    def _copy_run_data(self, run_id: str, source_run: Run) -> None:
        import time

        from mlflow.entities import Metric, Param

        now = int(time.time() * 1000)
        params = [Param(k, v) for k, v in source_run.params.items()]
        metrics = [Metric(k, v, now, 0) for k, v in source_run.metrics.items()]
        for start in range(0, max(len(params), len(metrics)), 100):
            self.client.log_batch(
                run_id, metrics=metrics[start : start + 100], params=params[start : start + 100]
            )
        if source_run.datasets:
            from mlflow.entities import Dataset, DatasetInput, InputTag

            inputs = [
                DatasetInput(
                    Dataset(d.name, d.digest, d.source_type, d.source, d.schema, d.profile),
                    [InputTag("mlflow.data.context", d.context)] if d.context else [],
                )
                for d in source_run.datasets
            ]
            self.client.log_inputs(run_id, datasets=inputs)

    def _await_ready(self, version):  # type: ignore[no-untyped-def]
        import time

        deadline = time.monotonic() + 60
        while str(version.status) == "PENDING_REGISTRATION" and time.monotonic() < deadline:
            time.sleep(0.2)
            version = self.client.get_model_version(version.name, version.version)
        return version

    def download_run_artifacts(self, run_id: str, artifact_path: str, dest: Path) -> Path | None:
        """Copy one artifact folder of a run into ``dest``; None when the run has none."""
        import mlflow.artifacts

        with self._call(f"download {artifact_path} of run {run_id}"):
            names = {Path(f.path).name for f in self.client.list_artifacts(run_id)}
            if Path(artifact_path).parts[0] not in names:
                return None
            dest.mkdir(parents=True, exist_ok=True)
            local = mlflow.artifacts.download_artifacts(
                run_id=run_id,
                artifact_path=artifact_path,
                dst_path=str(dest),
                tracking_uri=self._tracking_uri,
            )
        return Path(local)

    def set_model_version_alias(self, registered_name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` (moving it from any other version)."""
        with self._call(f"set alias {alias} on {registered_name} version {version}"):
            self.client.set_registered_model_alias(registered_name, alias, str(version))

    def delete_model_version_alias(self, registered_name: str, alias: str) -> None:
        """Remove ``alias`` from the model (no error when absent)."""
        with contextlib.suppress(NotFound), self._call(f"delete alias {alias}"):
            self.client.delete_registered_model_alias(registered_name, alias)

    def close(self) -> None:
        """Nothing to release: MLflow pools its own connections."""


def _safe_segment(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def copy_model_version(
    source: MlflowBackend,
    registered_name: str,
    version: str,
    target: MlflowBackend,
    target_name: str,
    *,
    extra_tags: dict[str, str] | None = None,
) -> ModelVersion:
    """Copy one version's files and run record from ``source`` into ``target``'s registry.

    Lineage tags record the source workspace, model, version and run.
    """
    from mlops_desktop.core.entities import (
        LINEAGE_SOURCE_MODEL,
        LINEAGE_SOURCE_RUN,
        LINEAGE_SOURCE_VERSION,
        LINEAGE_SOURCE_WORKSPACE,
    )

    original = source.get_model_version(registered_name, version)
    source_run_id = original.tags.get(LINEAGE_SOURCE_RUN) or original.run_id or ""
    tags = {
        LINEAGE_SOURCE_WORKSPACE: source.workspace.name,
        LINEAGE_SOURCE_MODEL: registered_name,
        LINEAGE_SOURCE_VERSION: str(version),
        LINEAGE_SOURCE_RUN: source_run_id,
        **(extra_tags or {}),
    }
    with tempfile.TemporaryDirectory(prefix="mlops-copy-") as tmp:
        model_dir = source.download_model_version(registered_name, version, Path(tmp) / "model")
        extra: dict[str, Path] = {}
        if original.run_id:
            data_dir = source.download_run_artifacts(original.run_id, "data", Path(tmp) / "run")
            if data_dir is not None:
                extra["data"] = data_dir
        return target.register_model_version(
            target_name,
            model_dir,
            tags=tags,
            description=original.description,
            source_run=original.run,
            extra_artifacts=extra,
        )


def local_store_path(uri: str) -> Path | None:
    """Filesystem path of a ``sqlite:///`` or ``file://`` URI, else None."""
    if uri.startswith("sqlite:///"):
        return Path(unquote(uri.removeprefix("sqlite:///")))
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    return None


def remove_local_store(workspace: WorkspaceConfig) -> None:
    """Delete a local workspace's files (used by ``demo --reset``)."""
    if workspace.mlflow is None:
        return
    db = local_store_path(workspace.mlflow.tracking_uri)
    if db is not None and db.exists():
        shutil.rmtree(db.parent, ignore_errors=True)
