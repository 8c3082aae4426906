"""Report writers: self-contained HTML under 1 MB for 25 features, JSON matching its schema
with no NaN, a real PDF, and the text summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from drift_tables import make_tables

from mlops_desktop.drift.engine import DriftResult, compute_drift
from mlops_desktop.drift.report_html import render_html, write_html
from mlops_desktop.drift.report_json import JSON_SCHEMA, render_json, write_json
from mlops_desktop.drift.report_pdf import write_pdf
from mlops_desktop.drift.report_text import summary_text


@pytest.fixture(scope="module")
def wide_result() -> DriftResult:
    """25 features (20 numeric, 5 categorical), windows, performance and schema issues."""
    rng = np.random.default_rng(5)
    n = 3000

    def table(shift: float, start: str) -> pd.DataFrame:
        data: dict[str, object] = {
            f"num_{i:02d}": rng.normal(shift if i % 2 == 0 else 0.0, 1.0 + i / 10, n)
            for i in range(20)
        }
        for j in range(5):
            p = [0.4, 0.3, 0.2, 0.1] if shift == 0 or j % 2 else [0.1, 0.2, 0.3, 0.4]
            data[f"cat_{j}"] = rng.choice(["alpha", "beta", "gamma", "delta <&>"], n, p=p)
        frame = pd.DataFrame(data)
        frame["y"] = frame["num_00"] * 2 + rng.normal(0, 0.1, n)
        frame["p"] = frame["num_00"] * 2
        frame["t"] = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(
            rng.uniform(0, 7 * 86400, n), unit="s"
        )
        return frame

    reference, current = table(0.0, "2024-01-01"), table(0.8, "2024-02-05")
    current.loc[:30, "num_01"] = np.nan
    current = current.drop(columns=["num_19"]).assign(extra=1)
    return compute_drift(
        reference, current, target="y", prediction="p", timestamp="t", window="day"
    )


def test_html_is_self_contained_and_small(wide_result: DriftResult, tmp_path: Path) -> None:
    path = write_html(wide_result, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    assert len(path.read_bytes()) < 1_000_000
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert "Dataset drift detected" in html
    assert html.count("<svg") >= 25 + 1  # a chart per feature, plus drift over time
    assert "delta &lt;&amp;&gt;" in html  # category labels are escaped
    for name in ("num_00", "cat_0", "num_19", "extra", "Model performance", "Drift over time"):
        assert name in html


def test_html_stays_small_with_hundreds_of_windows(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    n = 336 * 12  # 14 days of hourly windows
    data = {f"num_{i:02d}": rng.normal(0, 1, n) for i in range(20)}
    data |= {f"cat_{j}": rng.choice(["a", "b", "c"], n) for j in range(5)}
    reference = pd.DataFrame(data)
    current = reference.sample(frac=1.0, random_state=1).reset_index(drop=True)
    current["t"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(n) * 300, unit="s"
    )
    result = compute_drift(reference, current, timestamp="t", window="hour")
    assert len(result.windows) == 336
    html = render_html(result)
    assert len(html.encode()) < 1_000_000
    assert "last 60 of 336 windows" in html


def test_html_without_windows_or_performance() -> None:
    reference, current = make_tables(n=300)
    html = render_html(compute_drift(reference, current))
    assert "Drift over time" not in html and "Model performance" not in html


def test_json_matches_schema_and_has_no_nan(wide_result: DriftResult, tmp_path: Path) -> None:
    import jsonschema

    path = write_json(wide_result, tmp_path / "report.json")
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    document = json.loads(text)
    jsonschema.validate(document, JSON_SCHEMA)
    assert document["schema_version"] == 1
    assert set(document) >= {"summary", "features", "windows", "performance", "schema_issues"}
    assert document["summary"]["dataset_drift"] is True
    assert len(document["features"]) == 24 and len(document["windows"]) == 7
    assert document["performance"]["task"] == "regression"
    num_01 = next(f for f in document["features"] if f["name"] == "num_01")
    assert num_01["quality"]["null_rate"] == pytest.approx(31 / 3000)
    slim = json.loads(render_json(wide_result, include_distributions=False))
    assert all(f["distribution"] is None for f in slim["features"])


def test_json_turns_nan_into_null() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})
    current = pd.DataFrame({"a": [np.nan, np.nan, np.nan], "b": [1.0, 2.0, 3.0]})
    document = json.loads(render_json(compute_drift(reference, current)))
    a = next(f for f in document["features"] if f["name"] == "a")
    assert a["value"] is None and a["status"] == "quality"


def test_pdf(wide_result: DriftResult, tmp_path: Path) -> None:
    path = write_pdf(wide_result, tmp_path / "report.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 5000


def test_pdf_shows_every_distribution_over_as_many_pages_as_needed(
    wide_result: DriftResult, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    reader = PdfReader(write_pdf(wide_result, tmp_path / "report.pdf"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    charted = [c for c in wide_result.all_columns if c.distribution is not None]
    assert len(charted) > 20
    assert f"Distributions ({len(charted)} columns, most drifted first)" in text
    for column in charted:
        assert f"{column.name} ({column.kind.value})" in text, column.name
    assert len(reader.pages) >= 4  # 25 charts, three to a row, do not fit one page
    assert "Dataset drift when at least 50% of the features drift" in text


def test_text_summary(wide_result: DriftResult) -> None:
    text = summary_text(wide_result)
    assert text.splitlines()[0].startswith("DATASET DRIFT:")
    assert "num_00" in text and "performance (regression)" in text and "schema:" in text


def test_a_50_mb_cell_keeps_every_report_small(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 300
    reference = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "plan": rng.choice(["basic", "plus", "pro"], n),
            "notes": [f"note {i}" for i in range(n)],
        }
    )
    current = reference.copy()
    big = "x" * (50 * 2**20)
    current.loc[5, "plan"] = big  # a new category 50 MB long
    current.loc[6, "plan"] = big + "y"  # and one that only differs at its end
    current.loc[7, "notes"] = big
    result = compute_drift(reference, current)
    categories = result.feature("plan").distribution.categories
    assert max(len(c) for c in categories) < 100
    assert len(set(categories)) == len(categories) == 5
    assert any("(52,428,800 chars)" in c for c in categories)
    sizes = {}
    for name, writer in (("r.html", write_html), ("r.json", write_json), ("r.pdf", write_pdf)):
        writer(result, tmp_path / name)
        sizes[name] = (tmp_path / name).stat().st_size
    assert max(sizes.values()) < 500_000, sizes
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["features"][1]["distribution"]["categories"] == categories
    assert len(summary_text(result)) < 5000
