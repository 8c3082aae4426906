"""The hash-chained audit log: intact chains verify; edits, insertions, deletions are named."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from promotion_helpers import cli_main

from mlops_desktop.core.audit import AuditLog, canonical_json, record_hash


def _log_with(n: int) -> AuditLog:
    log = AuditLog()
    for i in range(1, n + 1):
        log.append(
            "traffic",
            actor=f"user{i}",
            workspace="staging",
            model="m",
            details={"n": i, "split": {"blue": 100 - i, "green": i}, "latency": 1.5 * i},
        )
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines()


def _write(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def test_records_chain_and_verify() -> None:
    log = _log_with(4)
    records = log.records()
    assert [r.seq for r in records] == [1, 2, 3, 4]
    assert records[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    for line, record in zip(_lines(log), records, strict=True):
        raw = json.loads(line)
        assert record_hash(raw) == record.hash
        assert canonical_json(raw).decode() == line  # stored canonically, so hashes reproduce
    result = log.verify()
    assert result.ok and result.records == 4 and result.notes == []
    assert log.find("traffic", n=3)[0].actor == "user3"


def test_edited_record_is_named() -> None:
    log = _log_with(4)
    lines = _lines(log)
    raw = json.loads(lines[1])
    raw["details"]["split"] = {"blue": 0, "green": 100}
    lines[1] = json.dumps(raw)
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_line, result.bad_seq) == (2, 2)
    assert "edited" in result.reason


def test_inserted_record_is_named_even_when_forged_well() -> None:
    log = _log_with(3)
    lines = _lines(log)
    naive = json.loads(lines[1])
    naive["actor"] = "mallory"
    _write(log, [lines[0], json.dumps(naive), *lines[1:]])
    result = log.verify()
    assert not result.ok and result.bad_line == 2 and "edited" in result.reason

    # A forger who recomputes the hash and chains to record 1 is caught by the record after.
    forged = {**json.loads(lines[0]), "seq": 2, "actor": "mallory"}
    forged["prev_hash"] = json.loads(lines[0])["hash"]
    forged["hash"] = record_hash(forged)
    _write(log, [lines[0], canonical_json(forged).decode(), *lines[1:]])
    result = log.verify()
    assert not result.ok and result.bad_line == 2
    assert "inserted" in result.reason


def test_deleted_records_are_named() -> None:
    log = _log_with(4)
    lines = _lines(log)
    _write(log, [lines[0], *lines[2:]])
    result = log.verify()
    assert not result.ok and (result.bad_line, result.bad_seq) == (2, 3)
    assert "record 2 is missing" in result.reason and "deleted" in result.reason

    _write(log, lines[:3])  # the last record removed: the head anchor notices
    result = log.verify()
    assert not result.ok and result.bad_seq == 4 and "deleted from the end" in result.reason

    _write(log, lines)
    log.head_path.unlink()
    assert not log.verify().ok


def test_torn_last_line_is_cut_by_the_next_append() -> None:
    log = _log_with(2)
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq": 3, "time": "2026')  # a crash in the middle of a write
    assert log.verify().ok and len(log.records()) == 2  # not a record yet
    log.append("traffic", actor="x")
    assert [r.seq for r in log.records()] == [1, 2, 3]
    assert log.verify().ok


def test_concurrent_writers_keep_one_chain(app_home: Path) -> None:
    code = (
        "import sys\n"
        "from mlops_desktop.core.audit import AuditLog\n"
        "log = AuditLog()\n"
        "for i in range(40):\n"
        "    log.append('traffic', actor=sys.argv[1], details={'i': i})\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", code, f"writer{n}"], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for proc in writers:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    log = AuditLog()
    result = log.verify()
    assert result.ok and result.records == 160
    assert {r.actor for r in log.records()} == {f"writer{n}" for n in range(4)}


def test_cli_list_and_verify(capsys: pytest.CaptureFixture[str]) -> None:
    log = _log_with(3)
    assert cli_main("audit", "list", "--json") == 0
    assert [r["seq"] for r in json.loads(capsys.readouterr().out)] == [1, 2, 3]
    assert cli_main("audit", "list", "--limit", "1") == 0
    assert "user3" in capsys.readouterr().out
    lines = _lines(log)
    _write(log, [lines[0], lines[2]])
    assert cli_main("audit", "verify") == 1
    err = capsys.readouterr().err
    assert "line 2 (record 3)" in err and "deleted" in err
