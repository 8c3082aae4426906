"""Column widths that fit a table into its viewport without ever clipping a header's text.

Qt's ``ResizeToContents`` plus one ``Stretch`` column gives the stretch column whatever is
left, which can be less than its own header (the Audit table's "Outcome" read "utcom"). Here
every column starts at the width its contents and header want; extra room goes to one column,
and when the table is too narrow the long-text columns give up width (their text elides) down
to what their header needs. Once the user drags a column divider, their widths are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QHeaderView, QTableView

#: A shrunk column keeps at least this many pixels of its contents.
MIN_SHRUNK = 90


class ColumnFitter(QObject):
    """Keeps ``view``'s columns fitted as its data and size change.

    ``shrink``: columns that may elide when space is short (in that order of preference is not
    implied: they give up width in proportion to how much they can); ``grow``: the column that
    takes any room left over.
    """

    def __init__(self, view: QTableView, *, shrink: Sequence[int], grow: int) -> None:
        super().__init__(view)
        self._view = view
        self._shrink = tuple(shrink)
        self._grow = grow
        self._fitting = False
        self.user_sized = False
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.sectionResized.connect(self._section_resized)
        # Kept: during teardown the viewport still sends events after the view's wrapper died.
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.layoutChanged):
            signal.connect(self.schedule)

    def schedule(self, *_args: object) -> None:
        """Fit once control returns to the event loop (after the view has laid out)."""
        QTimer.singleShot(0, self, self.fit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-fit when the viewport changes width."""
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.schedule()
        return super().eventFilter(watched, event)

    def _section_resized(self, _index: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self.user_sized = True

    def fit(self) -> None:
        """Set the widths now (nothing happens once the user has resized a column)."""
        if self.user_sized:
            return
        widths = fitted_widths(self._view, self._shrink, self._grow)
        header = self._view.horizontalHeader()
        self._fitting = True
        try:
            for column, width in widths.items():
                header.resizeSection(column, width)
        finally:
            self._fitting = False


def fitted_widths(view: QTableView, shrink: Sequence[int], grow: int) -> dict[int, int]:
    """Column widths for ``view``: contents and header text, fitted to its viewport width."""
    header = view.horizontalHeader()
    floors = {
        column: header.sectionSizeHint(column)
        for column in range(header.count())
        if not header.isSectionHidden(column)
    }
    widths = {c: max(floor, view.sizeHintForColumn(c)) for c, floor in floors.items()}
    spare = view.viewport().width() - sum(widths.values())
    if spare >= 0:
        if grow in widths:
            widths[grow] += spare
        return widths
    room = {c: max(widths[c] - max(floors[c], MIN_SHRUNK), 0) for c in shrink if c in widths}
    available = sum(room.values())
    if available:
        take = min(-spare, available)
        for column, can_give in room.items():
            widths[column] -= -(-take * can_give // available)  # ceiling: never too wide
    return widths
