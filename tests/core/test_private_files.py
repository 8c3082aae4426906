"""What the app writes is the person's alone: files 0600, folders 0700, whatever the umask."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from mlops_desktop.core import paths
from mlops_desktop.launcher import main as app_main
from mlops_desktop.promotion.entities import OperationKind
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.retraining.job_store import JobStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _modes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in [root, *root.rglob("*")]
        if not p.is_symlink()
    }


def _journal_something(journal: Journal) -> None:
    journal.create(
        "op1", OperationKind.PROMOTION, model="m", actor="a", source="dev", target="staging",
        plan={}, steps=["policy"],
    )  # fmt: skip


def test_the_app_creates_private_files_and_folders(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.umask(0o022)  # a usual desktop umask: others could read what is not made private
    assert app_main(["workspaces", "add", "dev", "--stage", "dev", "--local"]) == 0
    assert app_main(["workspaces", "list", "--check"]) == 0  # opens the local MLflow store
    assert "online" in capsys.readouterr().out
    _journal_something(Journal())
    JobStore().list()
    data = paths.data_dir()
    assert (data / "logs" / "mlops-desktop.log").is_file()
    assert (data / "promotions").is_dir() and (data / "workspaces" / "dev").is_dir()
    assert paths.config_file().is_file()
    modes = {k: v for k, v in _modes(app_home).items() if k != "."}
    assert modes, "nothing was written"
    loose = {
        path: mode
        for path, mode in modes.items()
        if int(mode, 8) != (0o700 if (app_home / path).is_dir() else 0o600)
    }
    assert loose == {}


def test_journal_and_job_store_are_private_even_without_the_entry_point() -> None:
    os.umask(0o022)
    journal, jobs = Journal(), JobStore()
    _journal_something(journal)
    jobs.list()
    for path in (journal.path, jobs.path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
