"""Model files of deployments, copied from the workspace's registry into the endpoint folder.

Once cached, a version is served (and restarted) without asking the registry again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.serving.layout import EndpointLayout

#: Opens the workspace's backend (tests and the promotion workflow may pass their own).
BackendFactory = Callable[[WorkspaceConfig], Any]


@dataclass(frozen=True, slots=True)
class CachedModel:
    """A model version's files on disk."""

    registered_model: str
    version: str
    directory: Path


def _default_backend(workspace: WorkspaceConfig) -> Any:
    from mlops_desktop.backends.registry import open_backend

    return open_backend(workspace)


def find_model_root(folder: Path) -> Path:
    if (folder / "MLmodel").is_file():
        return folder
    for candidate in sorted(folder.rglob("MLmodel")):
        return candidate.parent
    raise InvalidInput(f"{folder} holds no MLflow model (no MLmodel file)")


def download_model_folder(backend: Any, registered_model: str, version: str, target: Path) -> None:
    """Download a version's MLflow model folder to ``target`` (replaced whole): into a
    temporary folder beside it first, so a failed download never leaves half a model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=target.parent) as tmp:
        downloaded = backend.download_model_version(registered_model, str(version), Path(tmp))
        root = find_model_root(Path(downloaded))
        shutil.rmtree(target, ignore_errors=True)
        root.rename(target)


class ModelCache:
    """Resolves versions (or aliases) in the registry and caches their files per endpoint."""

    def __init__(
        self, workspace: WorkspaceConfig, backend_factory: BackendFactory | None = None
    ) -> None:
        self.workspace = workspace
        self._backend_factory = backend_factory or _default_backend
        self._backend: Any = None

    def _registry(self) -> Any:
        if self._backend is None:
            backend = self._backend_factory(self.workspace)
            if not hasattr(backend, "download_model_version"):
                raise InvalidInput(
                    f"workspace {self.workspace.name!r} cannot serve models locally",
                    hint="local endpoints serve models of MLflow workspaces",
                )
            self._backend = backend
        return self._backend

    def resolve_version(self, registered_model: str, version: str) -> str:
        """The version number of ``version``, which may be an alias such as ``champion``."""
        backend = self._registry()
        text = str(version).strip()
        if text.isdigit():
            return str(backend.get_model_version(registered_model, text).version)
        return str(backend.get_model_version_by_alias(registered_model, text).version)

    def fetch(self, layout: EndpointLayout, registered_model: str, version: str) -> CachedModel:
        """The cached files of a version, downloading them first when absent."""
        target = layout.model_dir(registered_model, version)
        if (target / "MLmodel").is_file():
            return CachedModel(registered_model, version, target)
        download_model_folder(self._registry(), registered_model, version, target)
        return CachedModel(registered_model, version, target)

    def ensure_cached(self, layout: EndpointLayout, registered_model: str, version: str) -> Path:
        """The model folder (re-downloaded if the cache was removed)."""
        return self.fetch(layout, registered_model, version).directory


def input_example(model_dir: Path) -> bytes:
    """The model's logged serving input example, as a scoring request body."""
    serving = model_dir / "serving_input_example.json"
    if serving.is_file():
        return serving.read_bytes()
    plain = model_dir / "input_example.json"
    if plain.is_file():
        data = json.loads(plain.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "columns" in data and "data" in data:
            return json.dumps({"dataframe_split": data}).encode()
        return json.dumps({"inputs": data}).encode()
    raise NotFound(
        f"the model in {model_dir} was logged without an input example",
        hint="pass the request body yourself (--data FILE)",
    )
