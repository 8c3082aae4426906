"""The Endpoints page's own style sheet (the app's sheet styles the rest)."""

from __future__ import annotations

#: Page-local style: cards, charts, tree, segmented buttons (the app sheet styles the rest).
PAGE_STYLE = """
QTreeView#EndpointsTree {
    border: none;
    border-top: 1px solid #E6EAEF;
    background: #FFFFFF;
    selection-background-color: #DCE9FF;
    selection-color: #111827;
    outline: 0;
}
QTreeView#EndpointsTree::item { padding: 0px 4px; border: none; }
QTreeView#EndpointsTree::item:hover { background: #F1F5FB; }
QTreeView#EndpointsTree::item:selected { background: #DCE9FF; color: #111827; }
#EndpointDetail { background: #FBFCFD; border-top: 1px solid #E6EAEF; }
#EndpointDetail QTabWidget::pane { border: none; background: transparent; }
#EndpointDetail QTabBar::tab {
    background: transparent; color: #656D76; padding: 6px 14px; margin-right: 2px;
    border: none; border-bottom: 2px solid transparent;
}
#EndpointDetail QTabBar::tab:selected {
    color: #111827; font-weight: 600; border-bottom: 2px solid #2563EB;
}
#EndpointDetail QTabBar::tab:hover { color: #1F2328; }
QFrame#KpiCard { background: #FFFFFF; border: 1px solid #E1E6EB; border-radius: 8px; }
#KpiTitle { color: #8C959F; font-size: 7.5pt; font-weight: 700; letter-spacing: 0.5px; }
#KpiValue { color: #111827; font-size: 15pt; font-weight: 700; }
#KpiNote, #MutedNote { color: #8C959F; }
QFrame#ChartPanel { background: #FFFFFF; border: 1px solid #E1E6EB; border-radius: 8px; }
#ChartTitle { color: #3D444D; font-weight: 600; }
QToolButton#SegmentLeft, QToolButton#SegmentMid, QToolButton#SegmentRight {
    border: 1px solid #D0D7DE; background: #FFFFFF; color: #57606A; padding: 3px 12px;
}
QToolButton#SegmentLeft { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QToolButton#SegmentRight { border-top-right-radius: 6px; border-bottom-right-radius: 6px; }
QToolButton#SegmentMid, QToolButton#SegmentRight { border-left: none; }
QToolButton#SegmentLeft:checked, QToolButton#SegmentMid:checked,
QToolButton#SegmentRight:checked {
    background: #E8F0FE; color: #1E4FC2; font-weight: 600;
}
QToolButton#SegmentLeft:hover, QToolButton#SegmentMid:hover, QToolButton#SegmentRight:hover {
    background: #F3F6FA;
}
QPlainTextEdit#RequestEditor, QPlainTextEdit#ResponseView { background: #FFFFFF; }
#CommandBox {
    background: #F6F8FA; border: 1px solid #D8DEE4; border-radius: 6px; padding: 8px 12px;
    color: #1F2328;
}
#UrlLabel { color: #2563EB; }
QToolButton#ToolbarButton:disabled { color: #A0A7B0; }
"""
