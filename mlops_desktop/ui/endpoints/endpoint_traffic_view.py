"""The traffic editor: live weights per deployment (summing to 100) and the mirror.

Validation is live and uses the serving package's own rules
(:func:`mlops_desktop.serving.traffic.validate_traffic`), so the editor rejects exactly what
the endpoint would. Edits survive a failed Apply and periodic refreshes; *Reset* goes back to
what the endpoint runs.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.serving.entities import Endpoint
from mlops_desktop.serving.traffic import MAX_MIRROR_PERCENT, validate_traffic
from mlops_desktop.ui.endpoints.endpoints_tree_model import STATUS_COLORS, status_text
from mlops_desktop.ui.shell import style

NO_MIRROR = "No mirror"


class TrafficSplitBarView(QWidget):
    """A horizontal bar in segments, one per deployment, sized by its share."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._segments: list[tuple[str, int, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        """A slim bar."""
        return QSize(360, 26)

    def set_segments(self, segments: list[tuple[str, int, str]]) -> None:
        """(name, percent, colour) per deployment."""
        self._segments = list(segments)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Rounded track, coloured segments, labels where they fit."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.themed("#EEF1F4", text=False)))
        painter.drawRoundedRect(rect, 6, 6)
        total = sum(max(p, 0) for _, p, _ in self._segments)
        scale = max(total, 100)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        x = rect.left()
        path_clip = QRectF(rect)
        painter.save()
        clip = QPainterPath()
        clip.addRoundedRect(path_clip, 6, 6)
        painter.setClipPath(clip)
        for name, percent, color in self._segments:
            if percent <= 0:
                continue
            width = rect.width() * percent / scale
            segment = QRectF(x, rect.top(), width, rect.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(color))
            painter.drawRect(segment)
            label = f"{name} {percent} %"
            if metrics.horizontalAdvance(label) + 12 > width:
                label = f"{percent} %"
            if metrics.horizontalAdvance(label) + 8 <= width:
                painter.setPen(QColor("#FFFFFF"))
                painter.drawText(segment, int(Qt.AlignmentFlag.AlignCenter), label)
            x += width
        painter.restore()
        painter.end()


class EndpointTrafficView(QWidget):
    """Spin boxes per deployment, mirror target and share, live validation, Apply/Reset."""

    #: (traffic by deployment, mirror by deployment — empty to stop mirroring)
    applyRequested = Signal(dict, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointTraffic")
        self._endpoint: Endpoint | None = None
        self._colors: dict[str, str] = {}
        self._busy = False
        self._valid = False
        #: The last Apply's outcome (text, colour), shown while the split is valid.
        self._note = ("", "")
        self.spins: dict[str, QSpinBox] = {}
        self._health_labels: dict[str, QLabel] = {}

        intro = QLabel(
            "Live traffic is split by weight between deployments: whole percentages that sum "
            "to 100. A mirror copies a share of live traffic (at most "
            f"{MAX_MIRROR_PERCENT} %) to one deployment; its answers are discarded but "
            "collected, so you can compare it before it takes live traffic."
        )
        intro.setObjectName("MutedNote")
        intro.setWordWrap(True)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(6)
        self.grid_host = QWidget()
        self.grid_host.setLayout(self.grid)

        self.total_label = QLabel("")
        self.total_label.setObjectName("TotalLabel")
        self.split_bar = TrafficSplitBarView()

        self.mirror_combo = QComboBox()
        self.mirror_combo.setAccessibleName("Mirror to")
        self.mirror_combo.setMinimumWidth(180)
        self.mirror_spin = QSpinBox()
        self.mirror_spin.setAccessibleName("Mirrored share")
        self.mirror_spin.setRange(0, MAX_MIRROR_PERCENT)
        self.mirror_spin.setSuffix(" %")
        self.mirror_spin.setFixedWidth(90)
        self.mirror_combo.currentIndexChanged.connect(self._mirror_target_changed)
        self.mirror_spin.valueChanged.connect(self._edited)
        mirror_row = QHBoxLayout()
        mirror_row.setSpacing(8)
        mirror_caption = QLabel("Mirror")
        mirror_caption.setObjectName("FormLabel")
        mirror_caption.setFixedWidth(60)
        mirror_row.addWidget(mirror_caption)
        mirror_row.addWidget(self.mirror_combo)
        mirror_row.addWidget(self.mirror_spin)
        mirror_hint = QLabel("of live traffic, copied")
        mirror_hint.setObjectName("MutedNote")
        mirror_row.addWidget(mirror_hint)
        mirror_row.addStretch(1)

        self.message_label = QLabel("")
        self.message_label.setObjectName("FieldError")
        self.message_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(120)
        self.progress.setFixedHeight(6)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("SecondaryButton")
        self.reset_button.setToolTip("Back to the split the endpoint runs")
        self.reset_button.clicked.connect(self.reset)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("PrimaryButton")
        self.apply_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.apply_button.clicked.connect(self.apply)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.message_label, 1)
        buttons.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignVCenter)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.apply_button)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.grid_host)
        total_row = QHBoxLayout()
        total_row.setSpacing(10)
        total_caption = QLabel("Split")
        total_caption.setObjectName("FormLabel")
        total_caption.setFixedWidth(60)
        total_row.addWidget(total_caption)
        total_row.addWidget(self.split_bar, 1)
        total_row.addWidget(self.total_label)
        left.addLayout(total_row)
        left.addLayout(mirror_row)
        left.addStretch(1)
        left.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(left, 1)
        self._update_buttons()

    # -- content ------------------------------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint | None:
        """The endpoint being edited."""
        return self._endpoint

    def is_dirty(self) -> bool:
        """True when the editor differs from what the endpoint runs."""
        endpoint = self._endpoint
        if endpoint is None:
            return False
        return (self.traffic(), self.mirror()) != (endpoint.traffic, endpoint.mirror_traffic)

    def set_endpoint(
        self, endpoint: Endpoint | None, colors: dict[str, str], *, force: bool = False
    ) -> None:
        """Edit ``endpoint``. A refresh of the same endpoint keeps unsaved edits (health and,
        without edits, the values it runs are updated in place) unless ``force`` or its
        deployments changed."""
        same_rows = (
            endpoint is not None
            and self._endpoint is not None
            and (endpoint.workspace, endpoint.name)
            == (self._endpoint.workspace, self._endpoint.name)
            and [d.name for d in endpoint.deployments] == list(self.spins)
        )
        dirty = self.is_dirty()
        self._endpoint = endpoint
        self._colors = dict(colors)
        if not same_rows or force or endpoint is None:
            self._rebuild()
            return
        if not dirty:
            self._show_values(endpoint)
        for d in endpoint.deployments:
            self._set_health(d.name, d.status.value)
        self.validate()

    def _show_values(self, endpoint: Endpoint) -> None:
        """Put what ``endpoint`` runs into the inputs (without signals)."""
        for d in endpoint.deployments:
            spin = self.spins.get(d.name)
            if spin is not None:
                spin.blockSignals(True)
                spin.setValue(d.traffic)
                spin.blockSignals(False)
        target, share = next(iter(endpoint.mirror_traffic.items()), ("", 0))
        self.mirror_combo.blockSignals(True)
        self.mirror_combo.setCurrentIndex(max(self.mirror_combo.findData(target), 0))
        self.mirror_combo.blockSignals(False)
        self.mirror_spin.blockSignals(True)
        self.mirror_spin.setValue(share)
        self.mirror_spin.blockSignals(False)
        self.mirror_spin.setEnabled(bool(target) and not self._busy)

    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.spins.clear()
        self._health_labels.clear()

    def _rebuild(self) -> None:
        self._clear_grid()
        endpoint = self._endpoint
        self.mirror_combo.blockSignals(True)
        self.mirror_combo.clear()
        self.mirror_combo.addItem(NO_MIRROR, "")
        if endpoint is None:
            self.mirror_combo.blockSignals(False)
            self.validate()
            return
        for column, title in enumerate(("Deployment", "Model", "Health", "Live traffic")):
            header = QLabel(title.upper())
            header.setObjectName("DetailSection")
            self.grid.addWidget(header, 0, column)
        for row, d in enumerate(endpoint.deployments, start=1):
            color = self._colors.get(d.name, style.ACCENT)
            name = QLabel(f"<span style='color:{color}'>●</span>&nbsp;&nbsp;<b>{d.name}</b>")
            model = QLabel(f"{d.registered_model} v{d.version}")
            model.setObjectName("FormValue")
            health = QLabel("")
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setFixedWidth(90)
            spin.setAccessibleName(f"Traffic of {d.name}")
            spin.setValue(d.traffic)
            spin.valueChanged.connect(self._edited)
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(model, row, 1)
            self.grid.addWidget(health, row, 2)
            self.grid.addWidget(spin, row, 3)
            self.spins[d.name] = spin
            self._health_labels[d.name] = health
            self._set_health(d.name, d.status.value)
            self.mirror_combo.addItem(d.name, d.name)
        self.grid.setColumnStretch(4, 1)
        self.mirror_combo.blockSignals(False)
        self._show_values(endpoint)
        self._note = ("", "")
        self.validate()

    def _set_health(self, name: str, status: str) -> None:
        label = self._health_labels.get(name)
        if label is not None:
            color = STATUS_COLORS.get(status, style.TEXT_FAINT)
            label.setText(f"<span style='color:{color}'>●</span>&nbsp;{status_text(status)}")

    def set_weights(self, traffic: dict[str, int]) -> None:
        """Type ``traffic`` into the spin boxes (deployments not named get 0)."""
        for name, spin in self.spins.items():
            spin.setValue(int(traffic.get(name, 0)))

    def set_mirror(self, name: str, percent: int) -> None:
        """Choose the mirror target ("" for none) and share."""
        self.mirror_combo.setCurrentIndex(max(self.mirror_combo.findData(name), 0))
        self.mirror_spin.setValue(percent)

    def traffic(self) -> dict[str, int]:
        """The live split as edited."""
        return {name: spin.value() for name, spin in self.spins.items()}

    def mirror(self) -> dict[str, int]:
        """The mirror as edited (empty: no mirror)."""
        target = self.mirror_combo.currentData()
        share = self.mirror_spin.value()
        return {str(target): share} if target and share else {}

    def total(self) -> int:
        """Sum of the live weights."""
        return sum(self.traffic().values())

    def _edited(self) -> None:
        """The person changed a value: the last Apply's outcome no longer applies."""
        self._note = ("", "")
        self.validate()

    def _mirror_target_changed(self) -> None:
        has_target = bool(self.mirror_combo.currentData())
        self.mirror_spin.setEnabled(has_target)
        if has_target and self.mirror_spin.value() == 0:
            self.mirror_spin.setValue(10)
        self._edited()

    # -- validation and apply -----------------------------------------------------------------

    def validation_error(self) -> str:
        """Why the edited split cannot be applied ("" when it can)."""
        if self._endpoint is None:
            return "No endpoint selected."
        try:
            validate_traffic(list(self.spins), self.traffic(), self.mirror())
        except InvalidInput as exc:
            return exc.message
        return ""

    def validate(self) -> bool:
        """Update the total, the bar and the message; True when the split can be applied."""
        traffic = self.traffic()
        total = sum(traffic.values())
        self.split_bar.set_segments(
            [(n, v, self._colors.get(n, style.ACCENT)) for n, v in traffic.items()]
        )
        if self._endpoint is None:
            self.total_label.setText("")
        elif total == 100:
            ok = style.themed("#15803D")
            self.total_label.setText(f"<span style='color:{ok}'>Total {total} % ✓</span>")
        else:
            bad = style.themed("#CF222E")
            self.total_label.setText(
                f"<span style='color:{bad}'>Total {total} % — must be 100 %</span>"
            )
        error = self.validation_error() if self._endpoint is not None else ""
        if not self._busy:
            text, color = (error, "") if error else self._note
            self.message_label.setStyleSheet(f"color: {style.themed(color)};" if color else "")
            self.message_label.setText(text)
        self._valid = not error and self._endpoint is not None
        self._update_buttons()
        return self._valid

    def blocked_reason(self) -> str:
        """Why the signed-in identity may not set this (Azure ML) endpoint's traffic, or ""."""
        return str(getattr(self._endpoint, "traffic_blocked", "") or "")

    def _update_buttons(self) -> None:
        valid = self._valid
        dirty = self.is_dirty()
        blocked = self.blocked_reason()
        locked = self._busy or bool(blocked)
        self.apply_button.setEnabled(valid and dirty and not locked)
        self.reset_button.setEnabled(dirty and not locked)
        for spin in self.spins.values():
            spin.setEnabled(not locked)
        self.mirror_combo.setEnabled(not locked and self._endpoint is not None)
        # Azure RBAC: say which action is missing rather than fail on Apply.
        tip = f"You may not change this endpoint's traffic: {blocked}" if blocked else ""
        for widget in (self.apply_button, *self.spins.values(), self.mirror_combo):
            widget.setToolTip(tip)

    def apply(self) -> None:
        """Ask the page to apply the edited split (when valid)."""
        if not self.validate() or self._busy:
            return
        self.applyRequested.emit(self.traffic(), self.mirror())

    def reset(self) -> None:
        """Back to what the endpoint runs."""
        self._rebuild()

    def set_busy(self, busy: bool) -> None:
        """Apply is under way: inputs locked, progress shown."""
        self._busy = busy
        self.progress.setVisible(busy)
        if busy:
            self.message_label.setStyleSheet(f"color: {style.TEXT_MUTED};")
            self.message_label.setText("Applying the traffic split…")
        self._update_buttons()

    def show_applied(self, endpoint: Endpoint, colors: dict[str, str]) -> None:
        """Apply succeeded: edit the endpoint as it now runs."""
        self.set_busy(False)
        self.set_endpoint(endpoint, colors, force=True)
        split = ", ".join(f"{k} {v} %" for k, v in endpoint.traffic.items())
        mirrored = ", ".join(f"{k} {v} %" for k, v in endpoint.mirror_traffic.items())
        self._note = (
            f"Applied: {split}" + (f"; mirroring {mirrored}" if mirrored else ""),
            "#15803D",
        )
        self.validate()

    def show_error(self, message: str) -> None:
        """Apply failed: the edits stay, the message says why."""
        self._note = (f"Not applied: {message}", "#CF222E")
        self.set_busy(False)
        self.validate()

    def message(self) -> str:
        """The message under the editor."""
        return self.message_label.text()
