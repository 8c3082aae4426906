"""The hash-chained audit log: intact chains verify; edits, insertions, deletions, a cut or
deleted log and a forged tail are named — also after later appends, which refuse to write onto
a log that does not end where its anchors say."""

from __future__ import annotations

import itertools
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from promotion_helpers import cli_main

import mlops_desktop.core.audit as audit_module
from mlops_desktop.core.audit import AuditAction, AuditLog, canonical_json, record_hash
from mlops_desktop.core.errors import Conflict


def _log_with(n: int, log: AuditLog | None = None) -> AuditLog:
    log = log or AuditLog()
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


def _files(log: AuditLog) -> dict[Path, bytes]:
    """Every file of the app home (the log's folder and the config dir), to show that a
    refused append wrote nothing anywhere."""
    home = Path(os.environ["MLOPS_DESKTOP_HOME"])
    return {p: p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


def _refused(log: AuditLog, *needles: str) -> Conflict:
    before = _files(log)
    with pytest.raises(Conflict) as info:
        log.append("traffic", actor="after", details={"later": True})
    assert _files(log) == before  # nothing written
    for needle in needles:
        assert needle in str(info.value)
    assert "audit verify" in (info.value.hint or "") and "backup" in (info.value.hint or "")
    return info.value


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
    assert [(a.name, a.ok) for a in result.anchors] == [("anchor", True), ("head", True)]
    assert all("record 4" in a.says for a in result.anchors)
    assert log.find("traffic", n=3)[0].actor == "user3"


def test_the_anchor_lives_apart_from_the_log_and_files_are_private(app_home: Path) -> None:
    log = _log_with(2)
    assert log.anchor_path.is_relative_to(app_home / "config")
    assert not log.anchor_path.is_relative_to(app_home / "data")
    anchor = json.loads(log.anchor_path.read_text(encoding="utf-8"))
    assert anchor["seq"] == 2 and anchor["records_written"] is True
    assert anchor["hash"] == log.records()[-1].hash and anchor["pending"] is None
    for path in (log.path, log.head_path, log.anchor_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (log.path.parent, log.anchor_path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_edited_record_is_named_and_stays_detected_after_appends() -> None:
    log = _log_with(4)
    lines = _lines(log)
    raw = json.loads(lines[1])
    raw["details"]["split"] = {"blue": 0, "green": 100}
    lines[1] = json.dumps(raw)
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_line, result.bad_seq) == (2, 2)
    assert "edited" in result.reason
    log.append("traffic", actor="later")  # the tail is sound: an append is allowed …
    result = log.verify()  # … and the edit is still named
    assert not result.ok and (result.bad_line, result.bad_seq) == (2, 2)


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

    _write(log, lines[:3])  # the last record removed: the anchors notice
    result = log.verify()
    assert not result.ok and result.bad_seq == 4 and "deleted from the end" in result.reason

    _write(log, lines)
    log.head_path.unlink()
    result = log.verify()
    assert not result.ok and "head file is missing" in result.reason


def test_deleting_the_tail_then_appending_is_refused() -> None:
    """The reported bug: cut the last records, do any audited action, and verify said intact."""
    log = _log_with(4)
    lines = _lines(log)
    _write(log, lines[:2])
    _refused(log, "record 4", "deleted from the end")
    result = log.verify()
    assert not result.ok and "records 3-4 were deleted from the end" in result.reason

    # Rewriting the head beside the log to match does not help: the config-dir anchor remains.
    log.head_path.write_text(json.dumps({"seq": 2, "hash": json.loads(lines[1])["hash"]}))
    _refused(log, "anchor saw record 4")
    result = log.verify()
    assert not result.ok and result.bad_seq == 4
    assert {a.name: a.ok for a in result.anchors} == {"anchor": False, "head": True}


def test_a_deleted_log_and_head_are_not_empty_and_intact() -> None:
    log = _log_with(3)
    log.path.unlink()
    log.head_path.unlink()
    result = log.verify()
    assert not result.ok and result.records == 0
    assert "the log is missing but the anchor saw 3 records written" in result.reason
    _refused(log, "missing")
    log.path.write_text("")  # an empty log is no better
    assert "the log is empty" in log.verify().reason
    _refused(log, "empty")


def test_forged_tail_is_named_and_refused() -> None:
    log = _log_with(3)
    last = log.records()[-1].to_json()
    forged = {**last, "seq": 4, "actor": "mallory", "prev_hash": last["hash"], "time": "later"}
    forged["hash"] = record_hash(forged)
    with open(log.path, "ab") as fh:
        fh.write(canonical_json(forged) + b"\n")
    # A forger with the data dir also brings the head up to date; the anchor is elsewhere.
    log.head_path.write_text(json.dumps({"seq": 4, "hash": forged["hash"]}))
    result = log.verify()
    assert not result.ok and (result.bad_line, result.bad_seq) == (4, 4)
    assert "record 4 was appended by something other than this app" in result.reason
    _refused(log, "forged tail")


def test_reordered_tail_is_refused() -> None:
    log = _log_with(4)
    lines = _lines(log)
    _write(log, [*lines[:2], lines[3], lines[2]])
    assert not log.verify().ok
    _refused(log, "anchor")


def _crash_while_appending(monkeypatch: pytest.MonkeyPatch, log: AuditLog, keep: int) -> None:
    """An append that dies after writing ``keep`` bytes of its line (a power cut)."""
    real = audit_module._append_line

    def torn(path: Path, line: bytes, *, cut_at: int | None = None) -> None:
        real(path, line[:keep], cut_at=cut_at)
        raise SystemExit("power cut")

    monkeypatch.setattr(audit_module, "_append_line", torn)
    with pytest.raises(SystemExit):
        log.append("traffic", actor="crash", details={"n": 3})
    monkeypatch.setattr(audit_module, "_append_line", real)


def test_torn_line_of_an_interrupted_append_is_reported_then_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _log_with(2)
    _crash_while_appending(monkeypatch, log, keep=40)
    result = log.verify()
    assert result.ok and result.records == 2
    assert any("line 3 holds an interrupted write of record 3" in n for n in result.notes)
    log.append("traffic", actor="x")
    assert [r.seq for r in log.records()] == [1, 2, 3]
    result = log.verify()
    assert result.ok and result.records == 3
    assert any("interrupted write of record 3 (40 bytes) was replaced" in n for n in result.notes)


def test_append_interrupted_before_the_head_verifies_and_is_finished(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _log_with(2)

    def no_head(path: Path, text: str, **_: Any) -> Path:
        raise SystemExit("power cut")

    monkeypatch.setattr(audit_module, "atomic_write_text", no_head)
    with pytest.raises(SystemExit):
        log.append("traffic", actor="crash")
    monkeypatch.undo()
    result = log.verify()
    assert result.ok and result.records == 3
    assert any("stopped" in n for n in result.notes)
    log.append("traffic", actor="next")
    result = log.verify()
    assert result.ok and result.records == 4 and result.notes == []


def test_torn_line_not_written_by_us_is_broken() -> None:
    log = _log_with(2)
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq": 3, "time": "2026')
    result = log.verify()
    assert not result.ok and result.bad_line == 3 and "incomplete" in result.reason
    _refused(log, "line 3 is incomplete")

    # A record cut in the middle (truncation) is named the same way.
    log = _log_with(3, AuditLog(log.path.with_name("other.jsonl")))
    data = log.path.read_bytes()
    log.path.write_bytes(data[: len(data) - 30])
    result = log.verify()
    assert not result.ok and result.bad_line == 3
    _refused(log, "line 3 is incomplete")


@pytest.mark.parametrize(
    "garbage",
    [b"garbage", b"[1, 2]", b'{"seq": NaN}', b"\xff\xfe", b"{}", b"[" * 100_000],
    ids=["text", "array", "nan", "bytes", "empty-object", "deep"],
)
def test_malformed_last_line_is_named_never_a_traceback(
    garbage: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_with(2)
    with open(log.path, "ab") as fh:
        fh.write(garbage + b"\n")
    result = log.verify()
    assert not result.ok and result.bad_line == 3 and "not a readable record" in result.reason
    _refused(log, "line 3 (the last) is not a sound record")
    assert [r.seq for r in log.records()] == [1, 2]  # listing skips it
    assert cli_main("audit", "verify") == 1
    err = capsys.readouterr().err
    assert "line 3" in err and "Traceback" not in err
    assert cli_main("audit", "list") == 0


def test_unreadable_anchor_or_head_is_named() -> None:
    log = _log_with(2)
    log.anchor_path.write_text("{not json")
    result = log.verify()
    assert not result.ok and "anchor" in result.reason and "not an audit anchor" in result.reason
    _refused(log, "not an audit anchor")


def test_rollback_appends_go_to_quarantine_and_reanchor_adopts_them() -> None:
    log = _log_with(3)
    lines = _lines(log)
    with open(log.path, "ab") as fh:
        fh.write(b"garbage\n")
    record = log.for_rollback().append(AuditAction.ROLLBACK, actor="oncall", details={"a": 1})
    assert record.quarantined and record.seq == 1
    assert log.find(AuditAction.ROLLBACK, a=1) == [record]  # an idempotent redo finds it
    assert [r.seq for r in log.records()] == [1, 2, 3]  # the main log is untouched
    result = log.verify()
    assert not result.ok and result.bad_line == 4 and result.quarantined == 1
    assert any("1 records were written to the quarantine log" in n for n in result.notes)
    assert [a.name for a in result.anchors][-1] == "quarantine"

    # Re-anchoring a broken chain is refused; restore it first (here: cut the bad line).
    with pytest.raises(Conflict, match="line 4"):
        log.reanchor()
    _write(log, lines)
    assert not log.verify().ok  # the quarantined record still awaits adoption
    written = log.reanchor(actor="lead", reason="restored from backup")
    assert [r.action for r in written] == [AuditAction.REANCHORED, AuditAction.ROLLBACK]
    assert written[0].details["problems"] == []  # the chain was whole again
    assert written[0].details["quarantined_adopted"] == 1
    assert written[1].details["quarantined"]["hash"] == record.hash
    assert written[1].actor == "oncall" and written[1].details["a"] == 1
    assert not log.quarantine_path.exists()
    result = log.verify()
    assert result.ok and result.records == 5 and result.quarantined == 0


def test_reanchor_records_what_the_anchors_said() -> None:
    log = _log_with(4)
    lines = _lines(log)
    _write(log, lines[:2])  # e.g. an older backup put back
    (record,) = log.reanchor(actor="lead")
    assert record.seq == 3 and record.action == AuditAction.REANCHORED
    assert record.details["anchor_before"]["seq"] == 4
    assert record.details["head_before"]["seq"] == 4
    assert record.details["log_last"]["seq"] == 2
    assert any("deleted from the end" in p for p in record.details["problems"])
    assert log.verify().ok
    log.append("traffic", actor="after")
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


def test_cli_list_verify_and_reanchor(capsys: pytest.CaptureFixture[str]) -> None:
    log = _log_with(3)
    assert cli_main("audit", "list", "--json") == 0
    assert [r["seq"] for r in json.loads(capsys.readouterr().out)] == [1, 2, 3]
    assert cli_main("audit", "list", "--limit", "1") == 0
    assert "user3" in capsys.readouterr().out
    assert cli_main("audit", "verify") == 0
    out = capsys.readouterr().out
    assert "audit log intact: 3 records" in out and "anchors checked:" in out
    assert f"✔ anchor {log.anchor_path}: record 3" in out
    assert f"✔ head {log.head_path}: record 3" in out
    lines = _lines(log)
    _write(log, [lines[0], lines[2]])
    assert cli_main("audit", "verify") == 1
    err = capsys.readouterr().err
    assert "line 2 (record 3)" in err and "deleted" in err
    assert cli_main("audit", "verify", "--json") == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["ok"] and out["bad_line"] == 2
    assert {a["name"] for a in out["anchors"]} == {"anchor", "head"}

    assert cli_main("audit", "reanchor", "--yes") == 2  # the chain itself is broken
    assert "line 2" in capsys.readouterr().err
    _write(log, lines[:2])
    assert cli_main("audit", "reanchor", "--yes", "--reason", "backup") == 0
    assert "re-anchored at record 3" in capsys.readouterr().out
    assert cli_main("audit", "verify") == 0


def test_anchors_are_per_log(tmp_path: Path) -> None:
    one = _log_with(2, AuditLog(tmp_path / "one" / "audit.jsonl"))
    two = _log_with(1, AuditLog(tmp_path / "two" / "audit.jsonl"))
    assert one.anchor_path != two.anchor_path
    assert one.verify().ok and two.verify().ok
    assert os.path.exists(one.anchor_path) and os.path.exists(two.anchor_path)


def test_traffic_change_by_hand_is_refused_before_it_changes_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mlops_desktop.cli import main
    from mlops_desktop.core.config import AppConfig, local_mlflow_workspace, save_config
    from mlops_desktop.core.stages import Stage

    save_config(AppConfig(workspaces=[local_mlflow_workspace("w", Stage.STAGING)]))
    log = _log_with(2)
    _write(log, _lines(log)[:1])
    code = main(["endpoints", "traffic", "some-endpoint", "blue=100", "--workspace", "w"])
    err = capsys.readouterr().err
    # Refused on the audit log before the endpoint is even looked up.
    assert code == 2 and "the audit log" in err and "deleted from the end" in err
    assert "not found" not in err.lower()
