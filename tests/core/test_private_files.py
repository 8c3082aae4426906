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


def test_a_report_the_person_exports_gets_their_usual_mode(
    app_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Private is for the app's own files; an exported report is made to be shared."""
    import numpy as np
    import pandas as pd

    from mlops_desktop.core import files

    monkeypatch.setattr(files, "_person_umask", None)  # as in a fresh process
    os.umask(0o022)
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=200)}).to_csv(tmp_path / "ref.csv", index=False)
    pd.DataFrame({"x": rng.normal(size=200)}).to_csv(tmp_path / "cur.csv", index=False)
    outs = [tmp_path / f"report.{kind}" for kind in ("html", "json", "pdf")]
    args = ["drift", "report", "--reference", str(tmp_path / "ref.csv")]
    args += ["--current", str(tmp_path / "cur.csv")]
    for out in outs:
        args += ["--out", str(out)]
    assert app_main(args) in (0, 1)  # 1: drift found; the reports are written either way
    assert {oct(stat.S_IMODE(out.stat().st_mode)) for out in outs} == {"0o644"}
    log = paths.data_dir() / "logs" / "mlops-desktop.log"
    assert oct(stat.S_IMODE(log.stat().st_mode)) == "0o600"  # the app's own stay private
