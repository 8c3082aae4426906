"""One store, one workspace: every spelling of a store is refused a second entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_desktop.cli import main
from mlops_desktop.core import paths
from mlops_desktop.core.config import load_config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _add(capsys: pytest.CaptureFixture[str], name: str, stage: str, *where: str):
    return run(capsys, "workspaces", "add", name, "--stage", stage, *where)


def test_a_second_entry_on_prods_sqlite_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _add(capsys, "prod", "prod", "--local")[0] == 0
    db = paths.local_workspace_dir("prod") / "mlflow.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.touch()
    link = tmp_path / "link"
    link.symlink_to(db.parent, target_is_directory=True)
    monkeypatch.chdir(db.parent.parent)
    spellings = [
        f"sqlite:///{db}",  # what --local wrote: sqlite:////abs/path
        f"sqlite:////{str(db).lstrip('/')}",
        f"sqlite:///{db.parent}/../prod/mlflow.db",
        f"sqlite:///{link}/mlflow.db",  # through a symlink
        "sqlite:///prod/mlflow.db",  # relative to the cwd (SQLAlchemy: three slashes)
        f"sqlite+pysqlite:///{db}?mode=ro",
    ]
    before = paths.config_file().read_bytes()
    for uri in spellings:
        code, _, err = _add(capsys, "prodshadow", "staging", "--tracking-uri", uri)
        assert code == 2, uri
        assert "'prod' already lives in the store" in err and "one store is one workspace" in err
        assert "Traceback" not in err
        # nor may it come in as the registry of another tracking store
        code, _, err = _add(
            capsys, "other", "dev", "--tracking-uri", "sqlite:///x.db", "--registry-uri", uri
        )
        assert code == 2 and "already lives in the store" in err, uri
    assert paths.config_file().read_bytes() == before
    assert [w.name for w in load_config().workspaces] == ["prod"]
    # a different file is a different store
    assert (
        _add(capsys, "staging", "staging", "--tracking-uri", f"sqlite:///{tmp_path}/s.db")[0] == 0
    )


def test_server_and_azure_spellings_are_one_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert _add(capsys, "prod", "prod", "--tracking-uri", "http://127.0.0.1:5000/")[0] == 0
    for uri in ("http://LOCALHOST:5000", "http://127.0.0.1:5000//", "http://[::1]:5000"):
        code, _, err = _add(capsys, "shadow", "staging", "--tracking-uri", uri)
        assert code == 2 and "one store is one workspace" in err, uri
    # another server workspace (X-MLFLOW-WORKSPACE) on the same server is another store
    code, _, _ = _add(
        capsys, "team", "staging", "--tracking-uri", "http://127.0.0.1:5000",
        "--server-workspace", "team-b",
    )  # fmt: skip
    assert code == 0
    assert _add(capsys, "remote", "dev", "--tracking-uri", "https://Mlflow.Example.com/ml/")[0] == 0
    code, _, err = _add(
        capsys, "remote2", "staging", "--tracking-uri", "https://mlflow.example.com:443/ml"
    )
    assert code == 2 and "'remote' already lives" in err
    sub = "0f3c2a4e-1111-4222-8333-944445555666"
    assert _add(capsys, "aml", "prod", "--azure", sub, "rg-ml", "mlw-prod")[0] == 0
    code, _, err = _add(
        capsys, "aml2", "staging", "--azure", f"{{{sub.upper()}}}", "RG-ML", "MLW-Prod"
    )
    assert code == 2 and "'aml' already lives" in err


def test_a_name_prefix_workspace_holding_every_stage_is_one_workspace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "workspaces", "add", "shared", "--local", "--layout", "name-prefix")
    assert code == 0, err
    assert load_config().workspace("shared").hosted_stages[-1].value == "prod"
    code, _, err = _add(
        capsys, "again", "prod", "--tracking-uri", load_config().workspace("shared").location
    )
    assert code == 2 and "'shared' already lives" in err


def test_store_keys_normalise_the_usual_spellings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_desktop.core.locations import store_key_of_uri

    monkeypatch.chdir(tmp_path)
    assert store_key_of_uri("sqlite:///a.db") == store_key_of_uri(f"sqlite:///{tmp_path}/a.db")
    assert store_key_of_uri("file:./mlruns") == store_key_of_uri(f"file://{tmp_path}/mlruns/")
    assert store_key_of_uri("postgresql://u@DB.example.com/ml") == store_key_of_uri(
        "postgresql+psycopg2://db.example.com:5432/ml"
    )
    assert store_key_of_uri("http://h:5000") != store_key_of_uri("http://h:5001")
    assert store_key_of_uri("http://h:5000/a") != store_key_of_uri("http://h:5000/b")


def test_an_existing_config_with_two_entries_on_one_store_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = paths.local_workspace_dir("prod") / "mlflow.db"
    paths.config_dir().mkdir(parents=True)
    paths.config_file().write_text(
        "schema_version = 1\n"
        f'[[workspaces]]\nname = "prod"\nstage = "prod"\n[workspaces.mlflow]\n'
        f'tracking_uri = "sqlite:///{db}"\n'
        f'[[workspaces]]\nname = "prodshadow"\nstage = "staging"\n[workspaces.mlflow]\n'
        f'tracking_uri = "sqlite:///{db.parent}/./mlflow.db"\n'
        f'[[workspaces]]\nname = "dev"\nstage = "dev"\n[workspaces.mlflow]\n'
        f'tracking_uri = "sqlite:///{db.parent.parent}/dev/mlflow.db"\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "workspaces", "list")
    assert code == 0 and "prodshadow" in out
    assert "warning: workspaces 'prod', 'prodshadow' are one store" in err
    code, out, _ = run(capsys, "workspaces", "list", "--json")
    assert {w["name"]: w["shares_store_with"] for w in json.loads(out)} == {
        "prod": ["prodshadow"],
        "prodshadow": ["prod"],
        "dev": [],
    }
    for target, source in (("prod", "prodshadow"), ("prodshadow", "dev")):
        code, _, err = run(capsys, "promote", "m", "1", "--from", source, "--to", target, "--yes")
        assert code == 2 and f"workspace {target!r} shares its store" in err, err
        assert "Traceback" not in err


def test_a_schema_version_that_is_no_number_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths.config_dir().mkdir(parents=True)
    broken = 'schema_version = "one"\n[[workspaces]]\nname = "dev"\nstage = "dev"\n'
    paths.config_file().write_text(broken, encoding="utf-8")
    for argv in (("workspaces", "list"), ("workspaces", "add", "x", "--stage", "dev", "--local")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "Traceback" not in err
        assert f"{paths.config_file()}: schema_version" in err and "'one'" in err
    assert paths.config_file().read_text(encoding="utf-8") == broken  # nothing lost
