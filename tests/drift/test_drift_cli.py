"""``drift report``: exit codes 0 / 1 / 2 in process, one real subprocess, outputs by extension."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from drift_tables import make_tables

from mlops_desktop.cli import drift as drift_cli


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mlops-desktop")
    drift_cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def run(argv: list[str]) -> int:
    args = parse(argv)
    return args.handler(args)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    reference, current = make_tables(n=400)
    same, _ = make_tables(n=400, seed=1)
    paths = {
        "ref": tmp_path / "ref.csv",
        "cur": tmp_path / "cur.parquet",
        "same": tmp_path / "same.jsonl",
    }
    reference.to_csv(paths["ref"], index=False)
    current.to_parquet(paths["cur"])
    same.to_json(paths["same"], orient="records", lines=True, date_format="iso")
    return paths


def test_drift_exits_1_and_writes_every_format(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outs = [tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "r.json"]
    argv = ["drift", "report", "--reference", str(files["ref"]), "--current", str(files["cur"])]
    argv += ["--target", "label", "--prediction", "pred", "--timestamp", "ts", "--window", "day"]
    for out in outs:
        argv += ["--out", str(out)]
    assert run(argv) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("DATASET DRIFT")
    assert "report: " + str(outs[0]) in captured.out
    assert outs[0].read_text().startswith("<!DOCTYPE html>")
    assert outs[1].read_bytes().startswith(b"%PDF")
    document = json.loads(outs[2].read_text())
    assert document["summary"]["dataset_drift"] is True and len(document["windows"]) == 3


def test_no_drift_exits_0(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "drift.toml"
    config.write_text('exclude = ["ts"]\n')
    argv = ["drift", "report", "--reference", str(files["ref"]), "--current", str(files["same"])]
    argv += ["--config", str(config), "--out", str(tmp_path / "r.json")]
    assert run(argv) == 0
    assert capsys.readouterr().out.startswith("no dataset drift")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "report.txt"], "unknown report format"),
        (["--out", "missing/dir/r.html"], "does not exist"),
        (["--out", "r.json", "--timestamp", "nope"], "column 'nope'"),
        (["--out", "r.json", "--config", "missing.toml"], "missing.toml: cannot read"),
    ],
)
def test_errors_exit_2_with_a_message(
    files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["drift", "report", "--reference", str(files["ref"]), "--current", str(files["cur"])]
    assert run(argv + extra) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.csv").write_text("")
    pd.DataFrame({"a": [1.0]}).to_csv(tmp_path / "ok.csv", index=False)
    argv = ["drift", "report", "--reference", str(tmp_path / "empty.csv")]
    argv += ["--current", str(tmp_path / "ok.csv"), "--out", str(tmp_path / "r.html")]
    assert run(argv) == 2
    assert "empty.csv: the file is empty" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_drift_without_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["drift"]) == 2
    assert "report" in capsys.readouterr().out


@pytest.mark.slow
def test_subprocess_exit_codes(files: dict[str, Path], tmp_path: Path) -> None:
    code = (
        "import argparse, sys\n"
        "from mlops_desktop.cli import drift\n"
        "parser = argparse.ArgumentParser(prog='mlops-desktop')\n"
        "drift.register(parser.add_subparsers())\n"
        "args = parser.parse_args(sys.argv[1:])\n"
        "sys.exit(args.handler(args))\n"
    )
    base = [sys.executable, "-c", code, "drift", "report", "--reference", str(files["ref"])]
    base += ["--target", "label", "--prediction", "pred"]
    drifted = subprocess.run(
        [*base, "--current", str(files["cur"]), "--out", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert drifted.returncode == 1, drifted.stderr
    assert drifted.stdout.startswith("DATASET DRIFT")
    broken = subprocess.run(
        [*base, "--current", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert broken.returncode == 2
    assert "missing.csv: no such file" in broken.stderr and "Traceback" not in broken.stderr


def test_cli_module_imports_no_heavy_modules() -> None:
    code = (
        "import sys, mlops_desktop.cli.drift\n"
        "names = ('numpy', 'pandas', 'scipy', 'pyarrow', 'PySide6')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("x", "holds numbers (float64"),
        ("colour", "holds string values ("),
        ("count", "holds numbers (int64"),
    ],
)
def test_timestamp_on_a_non_time_column_exits_2_naming_it(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    column: str,
    expected: str,
) -> None:
    argv = ["drift", "report", "--reference", str(files["ref"]), "--current", str(files["cur"])]
    argv += ["--timestamp", column, "--out", str(tmp_path / "r.json")]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert f"column {column!r}: the timestamp column {expected}" in err
    assert "ISO-8601" in err and "Unix seconds" in err and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()


def test_timestamp_in_unix_seconds_is_accepted(tmp_path: Path) -> None:
    reference, current = make_tables(n=400)
    current["epoch"] = current["ts"].astype("int64") // 10**9
    path = tmp_path / "cur.parquet"
    current.drop(columns="ts").to_parquet(path)
    reference.drop(columns="ts").to_csv(tmp_path / "ref.csv", index=False)
    argv = ["drift", "report", "--reference", str(tmp_path / "ref.csv"), "--current", str(path)]
    argv += ["--timestamp", "epoch", "--out", str(tmp_path / "r.json")]
    assert run(argv) in (0, 1)
    assert len(json.loads((tmp_path / "r.json").read_text())["windows"]) == 3
