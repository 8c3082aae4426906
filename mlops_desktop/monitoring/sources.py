"""Resolve where drift data comes from: files, or the training data behind a model version.

A source is a path (CSV, Parquet, JSON Lines, a folder of them) or a model reference
``model:WORKSPACE/NAME/VERSION`` (``VERSION`` may be an alias such as ``champion``), which
stands for the training split logged with the version's source run (``data/train.parquet``;
copies made by promotion carry it along).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import InvalidInput, NotFound

MODEL_PREFIX = "model:"
TRAINING_DATA = "data/train.parquet"


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


def is_model_reference(text: str) -> bool:
    """True for ``model:…`` sources."""
    return text.startswith(MODEL_PREFIX)


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


def resolve_source(config: AppConfig, text: str, workdir: Path | None = None) -> Path:
    """A local path for a source string (files are returned as they are)."""
    if not is_model_reference(text):
        return Path(text).expanduser()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="mlops-drift-"))
    return training_data_of(config, ModelReference.parse(text), workdir)
