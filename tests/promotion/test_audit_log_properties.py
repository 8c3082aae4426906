"""Property: whatever is done to a log — lines deleted, the file truncated, lines reordered,
copied or forged in (well chained, head rewritten to match), bytes or fields edited (hash
recomputed), the log deleted — ``verify`` says it is broken, and stays saying so through any
number of later appends, each of which either writes or refuses having written nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_desktop.core.audit import AuditLog, canonical_json, record_hash
from mlops_desktop.core.errors import Conflict

VALUES = st.one_of(
    st.integers(),
    st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
DETAILS = st.dictionaries(st.text(max_size=5), VALUES, max_size=3)
#: Every append fsyncs four times; 80 examples cover each kind of change many times over.
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _new_log(folder: Path, details: list[dict[str, Any]]) -> AuditLog:
    # The anchor in a folder of its own, as the config dir is apart from the data dir.
    log = AuditLog(folder / "data" / "audit.jsonl", anchor_path=folder / "config" / "a.json")
    for i, d in enumerate(details):
        log.append("traffic", actor=f"u{i}", workspace="w", model="m", details=d)
    return log


def _files(log: AuditLog) -> dict[str, bytes | None]:
    paths = (log.path, log.head_path, log.anchor_path, log.quarantine_path)
    return {p.name: (p.read_bytes() if p.exists() else None) for p in paths}


@st.composite
def tampering(draw: st.DrawFn, n: int) -> tuple[str, Any]:
    """One change to a log of ``n`` lines (never one that leaves the bytes as they were)."""
    kind = draw(
        st.sampled_from(
            [
                "delete",
                "truncate",
                "reorder",
                "copy",
                "forge",
                "edit_byte",
                "edit_field",
                "delete_log",
            ]
        )
    )
    if kind == "delete":
        start = draw(st.integers(0, n - 1))
        return kind, (start, draw(st.integers(1, n - start)))
    if kind == "truncate":
        return kind, draw(st.floats(0, 1, exclude_max=True))
    if kind == "reorder":
        if n < 2:
            return "delete", (0, 1)
        order = draw(st.permutations(range(n)).filter(lambda p: list(p) != list(range(n))))
        return kind, order
    if kind == "copy":
        return kind, (draw(st.integers(0, n)), draw(st.integers(0, n - 1)))
    if kind == "forge":
        return kind, draw(st.integers(0, n))
    if kind == "edit_byte":
        return kind, (
            draw(st.integers(0, n - 1)),
            draw(st.floats(0, 1, exclude_max=True)),
            draw(st.integers(0, 255)),
        )
    if kind == "edit_field":
        return kind, (draw(st.integers(0, n - 1)), draw(st.text(min_size=1, max_size=6)))
    return kind, None


def _forged(previous: dict[str, Any] | None, seq: int, actor: str) -> bytes:
    body = {
        "seq": seq,
        "time": "2026-01-01T00:00:00+00:00",
        "actor": actor,
        "action": "promotion",
        "workspace": "prod",
        "model": "m",
        "details": {},
        "prev_hash": previous["hash"] if previous else "0" * 64,
    }
    body["hash"] = record_hash(body)
    return canonical_json(body)


def _tamper(log: AuditLog, change: tuple[str, Any], rewrite_head: bool) -> None:
    """Apply ``change`` as someone with write access to the data dir would."""
    kind, arg = change
    data = log.path.read_bytes()
    lines = data.split(b"\n")[:-1]
    if kind == "delete":
        start, length = arg
        del lines[start : start + length]
    elif kind == "reorder":
        lines = [lines[i] for i in arg]
    elif kind == "copy":
        position, source = arg
        lines.insert(position, lines[source])
    elif kind == "forge":
        previous = json.loads(lines[arg - 1]) if arg else None
        lines.insert(arg, _forged(previous, arg + 1, "mallory"))
    elif kind == "edit_byte":
        index, where, value = arg
        line = bytearray(lines[index])
        position = int(where * len(line))
        line[position] = value if value != line[position] else (value + 1) % 256
        lines[index] = bytes(line)
    elif kind == "edit_field":
        index, actor = arg
        raw = json.loads(lines[index])
        raw["actor"] = raw["actor"] + actor
        raw["hash"] = record_hash(raw)
        lines[index] = canonical_json(raw)
    if kind == "delete_log":
        log.path.unlink()
        log.head_path.unlink()
        return
    new = b"".join(line + b"\n" for line in lines)
    if kind == "truncate":
        new = data[: int(arg * len(data))]
    assert new != data
    log.path.write_bytes(new)
    if rewrite_head:  # the forger also makes the head agree with the new last line
        complete = new.split(b"\n")[:-1]
        try:
            last = json.loads(complete[-1])
            log.head_path.write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))
        except (IndexError, ValueError, KeyError, TypeError):
            log.head_path.unlink(missing_ok=True)


@SETTINGS
@given(
    details=st.lists(DETAILS, min_size=1, max_size=6),
    data=st.data(),
    rewrite_head=st.booleans(),
    later=st.integers(0, 3),
)
def test_any_tampering_is_detected_also_after_appends(
    details: list[dict[str, Any]], data: st.DataObject, rewrite_head: bool, later: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        log = _new_log(Path(folder), details)
        assert log.verify().ok
        change = data.draw(tampering(len(details)), label="change")
        _tamper(log, change, rewrite_head)
        assert not log.verify().ok, change
        for n in range(later):
            before = _files(log)
            try:
                log.append("traffic", actor=f"later{n}", details={"n": n})
            except Conflict as exc:
                assert _files(log) == before  # refused: nothing written
                assert "audit verify" in (exc.hint or "")
            result = log.verify()
            assert not result.ok, (change, n)
            assert result.reason  # it says why


@settings(SETTINGS, max_examples=20)
@given(details=st.lists(DETAILS, min_size=0, max_size=6), later=st.integers(1, 3))
def test_untouched_logs_verify_and_take_appends(details: list[dict[str, Any]], later: int) -> None:
    """The counterpart: without tampering nothing is reported and appends go through."""
    with tempfile.TemporaryDirectory() as folder:
        log = _new_log(Path(folder), details)
        for n in range(later):
            log.append("traffic", actor="later", details={"n": n})
        result = log.verify()
        assert result.ok and result.records == len(details) + later
        assert [r.details for r in log.records()][: len(details)] == details
