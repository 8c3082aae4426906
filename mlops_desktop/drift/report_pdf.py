"""The PDF drift report for sharing (reportlab): summary, feature table, drift over time,
performance, schema issues and the distribution of every compared column (most drifted first,
three to a row, as many pages as they take)."""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path
from typing import Any

from mlops_desktop.drift.kinds import ColumnKind
from mlops_desktop.drift.report_format import (
    STATUS_LABELS,
    feature_sort_key,
    headline,
    metric_label,
    number,
    rate,
    verdict_rule,
)
from mlops_desktop.drift.result import DriftResult, FeatureDrift

#: Distribution charts per row; rows flow onto as many pages as they need.
CHARTS_PER_ROW = 3

_STATUS_COLOURS = {
    "drift": "#fdecea",
    "quality": "#fff4dc",
    "ok": "#e8f5e9",
    "not evaluated": "#eeeeee",
}
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def _fonts() -> tuple[str, str]:
    """A regular and a bold font: a Unicode TrueType font when one is found, else Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DriftSans" in pdfmetrics.getRegisteredFontNames():
        return "DriftSans", "DriftSans-Bold"
    candidates = [Path(p) for p in _FONT_CANDIDATES]
    import reportlab

    candidates.append(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")
    for regular in candidates:
        if not regular.is_file():
            continue
        bold = regular.with_name(regular.stem + "-Bold.ttf")
        if not bold.is_file():
            bold = regular.with_name(regular.stem + "Bd.ttf")
        try:
            pdfmetrics.registerFont(TTFont("DriftSans", str(regular)))
            pdfmetrics.registerFont(
                TTFont("DriftSans-Bold", str(bold if bold.is_file() else regular))
            )
        except Exception:  # a broken font file: try the next one
            continue
        return "DriftSans", "DriftSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _label(metric: str | None) -> str:
    return metric_label(metric).replace("χ²", "chi²")


def _histogram_drawing(feature: FeatureDrift, font: str, width: float, height: float) -> Any:
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    dist = feature.distribution
    assert dist is not None
    left, bottom, top_pad = 30.0, 28.0, 18.0
    plot_w, plot_h = width - left - 6, height - bottom - top_pad
    drawing.add(
        String(
            left, height - 12, f"{feature.name} ({feature.kind.value})", fontName=font, fontSize=9
        )
    )
    values = [v for v in (*dist.reference, *dist.current) if v is not None and math.isfinite(v)]
    high = max(values, default=1.0) or 1.0
    ref_colour = colors.HexColor("#4c78a8")
    cur_colour = colors.HexColor("#f58518")
    if dist.kind is ColumnKind.NUMERIC and dist.edges:
        low, span = dist.edges[0], (dist.edges[-1] - dist.edges[0]) or 1.0
        for series, colour, alpha in (
            (dist.reference, ref_colour, 0.55),
            (dist.current, cur_colour, 0.45),
        ):
            for i, value in enumerate(series):
                if not value:
                    continue
                x0 = left + plot_w * (dist.edges[i] - low) / span
                x1 = left + plot_w * (dist.edges[i + 1] - low) / span
                drawing.add(
                    Rect(
                        x0,
                        bottom,
                        max(x1 - x0 - 0.3, 0.3),
                        plot_h * value / high,
                        fillColor=colour,
                        fillOpacity=alpha,
                        strokeColor=None,
                    )
                )
        for fraction, anchor in ((0.0, "start"), (1.0, "end")):
            drawing.add(
                String(
                    left + plot_w * fraction,
                    bottom - 10,
                    number(low + span * fraction, 3),
                    fontName=font,
                    fontSize=7,
                    textAnchor=anchor,
                )
            )
    else:
        categories = dist.categories or []
        slot = plot_w / max(len(categories), 1)
        bar = min(slot * 0.4, 18.0)
        for i, category in enumerate(categories):
            centre = left + slot * (i + 0.5)
            for offset, value, colour in (
                (-bar, dist.reference[i], ref_colour),
                (0.0, dist.current[i], cur_colour),
            ):
                drawing.add(
                    Rect(
                        centre + offset,
                        bottom,
                        bar,
                        plot_h * (value or 0.0) / high,
                        fillColor=colour,
                        strokeColor=None,
                    )
                )
            label = category if len(category) <= 10 else category[:9] + "…"
            drawing.add(
                String(centre, bottom - 10, label, fontName=font, fontSize=6, textAnchor="middle")
            )
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.grey, strokeWidth=0.5))
    drawing.add(
        String(
            left - 3,
            bottom + plot_h - 3,
            number(high, 2),
            fontName=font,
            fontSize=6,
            textAnchor="end",
        )
    )
    drawing.add(String(left - 3, bottom - 2, "0", fontName=font, fontSize=6, textAnchor="end"))
    legend_y = 4.0
    drawing.add(Rect(left, legend_y, 7, 7, fillColor=ref_colour, strokeColor=None))
    drawing.add(String(left + 10, legend_y + 1, "reference", fontName=font, fontSize=7))
    drawing.add(Rect(left + 60, legend_y, 7, 7, fillColor=cur_colour, strokeColor=None))
    drawing.add(String(left + 70, legend_y + 1, "current", fontName=font, fontSize=7))
    return drawing


def _windows_drawing(result: DriftResult, font: str, width: float, height: float) -> Any:
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    left, bottom, top_pad = 36.0, 24.0, 8.0
    plot_w, plot_h = width - left - 52, height - bottom - top_pad
    shares = [w.drift_share for w in result.windows]
    high = max([*shares, result.drift_share_threshold, 0.01]) * 1.1
    count = len(shares)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return bottom + plot_h * v / high

    for tick in (0.0, high / 2, high):
        drawing.add(
            Line(
                left,
                y(tick),
                left + plot_w,
                y(tick),
                strokeColor=colors.HexColor("#e3e3e3"),
                strokeWidth=0.5,
            )
        )
        drawing.add(
            String(
                left - 3, y(tick) - 2, f"{tick:.0%}", fontName=font, fontSize=7, textAnchor="end"
            )
        )
    threshold = y(result.drift_share_threshold)
    drawing.add(
        Line(
            left,
            threshold,
            left + plot_w,
            threshold,
            strokeColor=colors.HexColor("#d62728"),
            strokeWidth=1,
            strokeDashArray=[4, 3],
        )
    )
    drawing.add(
        String(
            left + plot_w + 4,
            threshold - 2.5,
            f"threshold {result.drift_share_threshold:.0%}",
            fontName=font,
            fontSize=7,
            textAnchor="start",
            fillColor=colors.HexColor("#d62728"),
        )
    )
    points: list[float] = []
    for i, share in enumerate(shares):
        points += [x(i), y(share)]
        drawing.add(
            Circle(x(i), y(share), 1.8, fillColor=colors.HexColor("#4c78a8"), strokeColor=None)
        )
    if len(shares) > 1:
        drawing.add(PolyLine(points, strokeColor=colors.HexColor("#4c78a8"), strokeWidth=1.5))
    step = max(1, math.ceil(count / max(2, int(plot_w // 60))))
    for i in range(0, count, step):
        label = result.windows[i].start.strftime(
            "%m-%d %H:00" if result.window == "hour" else "%Y-%m-%d"
        )
        drawing.add(
            String(x(i), bottom - 12, label, fontName=font, fontSize=6, textAnchor="middle")
        )
    return drawing


def render_pdf(result: DriftResult) -> bytes:
    """The report as PDF bytes (A4 landscape)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=styles["BodyText"], fontName=regular, fontSize=9, leading=12
    )
    small = ParagraphStyle(
        "small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#555555")
    )
    title = ParagraphStyle("title", parent=styles["Title"], fontName=bold, fontSize=18, alignment=0)
    heading = ParagraphStyle(
        "heading", parent=styles["Heading2"], fontName=bold, fontSize=12, spaceBefore=10
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(text), style)

    buffer = BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="Data drift report",
        author="MLOps Desktop",
    )
    width = page[0] - 28 * mm
    story: list[Any] = [
        Paragraph("Data drift report", title),
        p(
            f"Reference {result.reference_name} ({result.n_reference_rows:,} rows) · current "
            f"{result.current_name} ({result.n_current_rows:,} rows) · generated "
            f"{result.created_at:%Y-%m-%d %H:%M} UTC",
            small,
        ),
        Spacer(1, 6),
    ]
    verdict_colour = "#fdecea" if result.dataset_drift else "#e8f5e9"
    banner = Table(
        [
            [
                p(
                    headline(result),
                    ParagraphStyle("banner", parent=body, fontName=bold, fontSize=12, leading=15),
                ),
                p(
                    f"{len(result.quality_violations)} column(s) with quality issues · "
                    f"{len(result.schema_issues)} schema issue(s)",
                    body,
                ),
            ]
        ],
        colWidths=[width * 0.62, width * 0.38],
    )
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(verdict_colour)),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#bbbbbb")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story += [banner, Spacer(1, 3), p(verdict_rule(result), small)]
    story.append(Paragraph("Features", heading))

    columns = sorted(result.features, key=feature_sort_key) + [
        c for c in (result.prediction, result.target) if c is not None
    ]
    header = [
        "Feature",
        "Type",
        "Metric",
        "Value",
        "Threshold",
        "Status",
        "Null",
        "Type errors",
        "Out of bounds",
    ]
    rows: list[list[Any]] = [header]
    for column in columns:
        name = column.name if column.role == "feature" else f"{column.name} ({column.role})"
        rows.append(
            [
                p(name, cell),
                column.kind.value,
                _label(column.metric),
                number(column.value),
                number(column.threshold),
                STATUS_LABELS[column.status],
                rate(column.quality.null_rate),
                rate(column.quality.type_error_rate),
                rate(column.quality.out_of_bounds_rate),
            ]
        )
    fractions = [0.2, 0.09, 0.15, 0.08, 0.08, 0.11, 0.09, 0.1, 0.1]
    table = Table(rows, colWidths=[width * f for f in fractions], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, 0), bold),
        ("FONTNAME", (0, 1), (-1, -1), regular),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
        ("ALIGN", (3, 1), (4, -1), "RIGHT"),
        ("ALIGN", (6, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for i, column in enumerate(columns, start=1):
        style.append(
            ("BACKGROUND", (5, i), (5, i), colors.HexColor(_STATUS_COLOURS[column.status]))
        )
        for j, name in ((6, "null_rate"), (7, "type_error_rate"), (8, "out_of_bounds_rate")):
            if name in column.quality.violations:
                style.append(("TEXTCOLOR", (j, i), (j, i), colors.HexColor("#a86a00")))
    table.setStyle(TableStyle(style))
    story.append(table)

    if result.windows:
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"Drift over time ({len(result.windows)} × {result.window})", heading
                    ),
                    p(
                        "Share of drifted features per window; dashed: dataset-drift threshold.",
                        small,
                    ),
                    _windows_drawing(result, regular, width, 150),
                ]
            )
        )

    if result.performance is not None:
        perf = result.performance
        perf_rows: list[list[Any]] = [["Metric", "Reference", "Current", "Change", "Status"]]
        for name, value in perf.current.items():
            perf_rows.append(
                [
                    name,
                    number(perf.reference.get(name)) if perf.reference else "—",
                    number(value),
                    number(perf.delta.get(name)),
                    "degraded" if name in perf.degraded else "ok",
                ]
            )
        perf_table = Table(perf_rows, colWidths=[width * 0.15] * 5)
        perf_table.hAlign = "LEFT"
        perf_table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), bold),
                    ("FONTNAME", (0, 1), (-1, -1), regular),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                ]
            )
        )
        story.append(
            KeepTogether(
                [
                    Paragraph(f"Model performance ({perf.task})", heading),
                    p(
                        f"target {perf.target}, prediction {perf.prediction}; "
                        f"{perf.n_reference:,} reference and "
                        f"{perf.n_current:,} current labelled rows",
                        small,
                    ),
                    Spacer(1, 4),
                    perf_table,
                ]
            )
        )

    if result.schema_issues:
        issue_rows: list[list[Any]] = [["Column", "Issue", "Details"]]
        for issue in result.schema_issues:
            issue_rows.append(
                [p(issue.column, cell), issue.issue.replace("_", " "), p(issue.message, cell)]
            )
        issue_table = Table(
            issue_rows, colWidths=[width * 0.2, width * 0.15, width * 0.65], repeatRows=1
        )
        issue_table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), bold),
                    ("FONTNAME", (0, 1), (-1, -1), regular),
                    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d0")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [Paragraph("Schema issues", heading), issue_table]

    charted = [c for c in columns if c.distribution is not None]
    if charted:
        chart_w, chart_h = width / CHARTS_PER_ROW - 6, 140.0
        drawings = [_histogram_drawing(c, regular, chart_w, chart_h) for c in charted]
        rows_of_charts = []
        for i in range(0, len(drawings), CHARTS_PER_ROW):
            row = drawings[i : i + CHARTS_PER_ROW]
            row += [""] * (CHARTS_PER_ROW - len(row))
            chart_row = Table([row], colWidths=[width / CHARTS_PER_ROW] * CHARTS_PER_ROW)
            chart_row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            rows_of_charts.append(chart_row)
        # One table per row of charts, so a page breaks between rows, never inside a chart;
        # the heading stays with the first row.
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"Distributions ({len(charted)} columns, most drifted first)", heading
                    ),
                    p(
                        "Numeric: density over shared bins; categorical: share of each category.",
                        small,
                    ),
                    rows_of_charts[0],
                ]
            )
        )
        story += rows_of_charts[1:]
    doc.build(story)
    return buffer.getvalue()


def write_pdf(result: DriftResult, path: str | Path) -> Path:
    """Write the PDF report to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(render_pdf(result))
    return path
