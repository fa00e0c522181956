"""The audience view: what the projector shows, readable from the back of the room.

Top: the package shown and where it sits among the others. Middle: the savings gauge
(the council alone and the whole place after knock-on costs, against the target, with
the gap between them named) and the red lines. Bottom: up to four packages side by side.
Type scales with the window's height, so the same view works full screen on a projector
and small inside the presenter view. Nothing here computes a figure: every number is a
field of a :class:`~cutsim.workshop.PackageSummary`.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.fmt import money, percent
from cutsim.workshop import Gauge, PackageSummary
from ui.workshop import style
from ui.workshop.controller import WorkshopController

DESIGN_HEIGHT = 1080.0  # type sizes below are pixels at a 1920 x 1080 window
DESIGN_WIDTH = 1920.0


def scale_of(widget: QWidget) -> float:
    """How much smaller than 1920 x 1080 the view is (the tighter of width and height, so a
    small preview of another shape never clips its text)."""
    return max(min(widget.height() / DESIGN_HEIGHT, widget.width() / DESIGN_WIDTH), 0.2)


def _px(widget: QWidget, size: float) -> int:
    return max(7, round(size * scale_of(widget)))


class GaugeWidget(QWidget):
    """Two bars, the council alone and the whole place, against the target line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workshopGauge")
        self.gauge: Gauge | None = None
        self.scale = 1.0  # the audience view's height / 1080: type matches the rest of the view
        self.setMinimumHeight(60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_gauge(self, gauge: Gauge | None) -> None:
        self.gauge = gauge
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        """The gauge in words (for screen readers and tests)."""
        g = self.gauge
        if g is None:
            return "No figures"
        return (f"{g.year_label}: target {money(g.target)}; {g.agency_name} {money(g.agency_net)}; "
                f"whole place {money(g.place_net)}")

    def _font(self, size: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(8, round(size * self.scale)))
        font.setBold(bold)
        return font

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(style.BACKGROUND))
        if self.gauge is not None:
            self._paint(painter, self.gauge)
        painter.end()

    def _paint(self, painter: QPainter, g: Gauge) -> None:
        """Bars first, then the target line over them, then the words over the line."""
        k = self.scale
        w, h = float(self.width()), float(self.height())
        left, right = 4 * k, w * 0.52  # bars end at 52 %: the figures go to their right
        top = 44 * k  # room for the target's label
        values = [g.agency_net, g.place_net] + ([g.target] if g.target else [])
        high = max(max(values), 1.0) * 1.06
        low = min(0.0, min(values) * 1.06)

        def x(v: float) -> float:
            return left + (v - low) / (high - low) * (right - left)

        rows = [("Council alone", style.COUNCIL, g.agency_net, g.agency_met),
                ("Whole place, after knock-on costs", style.PLACE, g.place_net, g.place_met)]
        band = (h - top) / 2
        label_h = 40 * k
        bar_h = max(8.0, min(band - label_h - 14 * k, 72 * k))
        bar_tops = [top + i * band + label_h + 4 * k for i in range(len(rows))]
        for bar_top, (_label_text, colour, value, _met) in zip(bar_tops, rows):
            painter.fillRect(QRectF(left, bar_top, right - left, bar_h), QColor("#E4E4E4"))
            painter.fillRect(QRectF(min(x(0), x(value)), bar_top, abs(x(value) - x(0)), bar_h),
                             QColor(colour))
        if g.target is not None:
            self._paint_target(painter, x(g.target), g.target, top, left)
        for i, (bar_top, (label, colour, value, met)) in enumerate(zip(bar_tops, rows)):
            y0 = top + i * band
            painter.setFont(self._font(30, bold=True))
            painter.setPen(QColor(colour if colour != style.PLACE else style.TEXT))
            box = painter.boundingRect(QRectF(left, y0, right - left, label_h),
                                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            painter.fillRect(box.adjusted(0, 0, 8 * k, 0), QColor(style.BACKGROUND))
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            big = self._font(60, bold=True)
            painter.setFont(big)
            painter.setPen(QColor(style.TEXT))
            line = QRectF(right + 24 * k, bar_top + bar_h / 2 - 40 * k, w - right - 24 * k, 80 * k)
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, money(value))
            if g.target is not None:
                short = g.shortfall(value) or 0.0
                words = "\u2714 met" if met else f"\u2716 {money(short)} short"
                small = self._font(30, bold=True)
                room = w - right - 24 * k
                need = (QFontMetricsF(big).horizontalAdvance(money(value)) + 22 * k
                        + QFontMetricsF(small).horizontalAdvance(words))
                if need > room:  # a narrow preview: shrink both rather than clip the words
                    fit = room / need
                    big.setPixelSize(max(7, int(big.pixelSize() * fit)))
                    small.setPixelSize(max(7, int(small.pixelSize() * fit)))
                    painter.setFont(big)
                    painter.setPen(QColor(style.BACKGROUND))
                    painter.fillRect(line, QColor(style.BACKGROUND))
                    painter.setPen(QColor(style.TEXT))
                    painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                     money(value))
                shift = QFontMetricsF(big).horizontalAdvance(money(value)) + 22 * k
                painter.setFont(small)
                painter.setPen(QColor(style.OK if met else style.BREACH))
                painter.drawText(line.adjusted(shift, 0, 0, 0),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, words)

    def _paint_target(self, painter: QPainter, tx: float, target: float, top: float,
                      left: float) -> None:
        k = self.scale
        pen = QPen(QColor(style.TARGET), max(2.0, 5 * k))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(int(tx), int(top - 4 * k), int(tx), int(self.height() - 6 * k))
        painter.setFont(self._font(30, bold=True))
        painter.setPen(QColor(style.TARGET))
        label = f"Target {money(target)}"
        span = 420 * k
        if tx - span >= left:
            box, align = QRectF(tx - span, 0, span - 10 * k, top), Qt.AlignmentFlag.AlignRight
        else:
            box, align = QRectF(tx + 10 * k, 0, span, top), Qt.AlignmentFlag.AlignLeft
        painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, label)


def _pounds(value: float) -> float:
    """Whole pounds: engine noise of a fraction of a penny must not read as "−£0"."""
    return 0.0 if abs(value) < 0.5 else value


def _label(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class AudienceView(QWidget):
    """The projector view of a :class:`WorkshopController` (read-only)."""

    def __init__(self, controller: WorkshopController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("workshopAudience")
        self.setWindowTitle("cutsim workshop: audience view")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # The view's size is the window's or the preview's; its labels never push it about.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._scale = 0.0

        self.badge = _label(name="packageBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = _label(name="packageTitle")
        self.context = _label(name="workshopContext")
        self.context.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = QHBoxLayout()
        header.addWidget(self.badge)
        header.addWidget(self.title, 1)
        header.addWidget(self.context)

        self.gauge_title = _label(name="gaugeTitle")
        self.gauge_source = _label(name="gaugeSource")
        self.gauge = GaugeWidget(self)
        self.gap = _label(name="gapLine")
        gauge_box = QVBoxLayout()
        gauge_box.setSpacing(2)
        gauge_box.addWidget(self.gauge_title)
        gauge_box.addWidget(self.gauge_source)
        gauge_box.addWidget(self.gauge, 1)
        gauge_box.addWidget(self.gap)

        self.lines_title = _label("Red lines", "redLinesTitle")
        self.lines_body = QVBoxLayout()
        self.lines_body.setSpacing(2)
        lines_box = QVBoxLayout()
        lines_box.addWidget(self.lines_title)
        lines_box.addLayout(self.lines_body)
        lines_box.addStretch(1)
        lines_frame = QFrame()
        lines_frame.setObjectName("redLinesFrame")
        lines_frame.setLayout(lines_box)

        middle = QHBoxLayout()
        middle.addLayout(gauge_box, 60)
        middle.addWidget(lines_frame, 40)

        self.compare = QGridLayout()
        self.compare.setHorizontalSpacing(0)
        self.compare.setVerticalSpacing(0)
        compare_frame = QFrame()
        compare_frame.setObjectName("compareFrame")
        compare_frame.setLayout(self.compare)

        self.banner = _label(name="banner")
        self.banner.hide()

        root = QVBoxLayout(self)
        root.addLayout(header)
        root.addWidget(self.banner)
        root.addLayout(middle, 46)
        root.addWidget(compare_frame, 54)
        self._apply_style()
        controller.updated.connect(self.refresh)
        controller.message.connect(self.show_message)
        self.refresh()

    # --- type that scales with the window ------------------------------------------

    def px(self, size: float) -> int:
        """``size`` pixels at 1080 high, scaled to this view's height."""
        return _px(self, size)

    def _apply_style(self) -> None:
        p = self.px
        self.gauge.scale = scale_of(self)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(p(36), p(24), p(36), p(20))
            layout.setSpacing(p(14))
        self.setStyleSheet(f"""
            #workshopAudience {{ background: {style.BACKGROUND}; }}
            QLabel {{ color: {style.TEXT}; font-size: {p(28)}px; background: transparent; }}
            #packageBadge {{ background: {style.TEXT}; color: {style.BACKGROUND}; font-size: {p(72)}px;
                             font-weight: bold; min-width: {p(120)}px; padding: {p(2)}px {p(20)}px; }}
            #packageTitle {{ font-size: {p(52)}px; font-weight: bold; padding-left: {p(24)}px; }}
            #workshopContext {{ font-size: {p(30)}px; color: {style.MUTED}; }}
            #gaugeTitle {{ font-size: {p(36)}px; font-weight: bold; }}
            #gaugeSource {{ font-size: {p(26)}px; color: {style.MUTED}; }}
            #gapLine {{ font-size: {p(30)}px; font-weight: bold; }}
            #redLinesTitle {{ font-size: {p(36)}px; font-weight: bold; }}
            #redLinesFrame {{ border-left: {max(1, p(3))}px solid {style.RULE}; padding-left: {p(24)}px; }}
            #compareFrame {{ border-top: {max(1, p(3))}px solid {style.RULE}; }}
            #banner {{ background: {style.BREACH}; color: {style.BACKGROUND}; font-size: {p(30)}px;
                       padding: {p(10)}px; font-weight: bold; }}
        """)

    def _styled(self, text: str, *, size: float = 28, colour: str = style.TEXT, bold: bool = False,
                background: str | None = None, pad: float = 6, wrap: bool = True) -> QLabel:
        """A label with its own look (dynamic properties do not restyle reliably)."""
        label = _label(text)
        label.setWordWrap(wrap)
        p = self.px
        label.setStyleSheet(
            f"color: {colour}; font-size: {p(size)}px; font-weight: {'bold' if bold else 'normal'};"
            f" background: {background or 'transparent'}; padding: {p(pad)}px {p(14)}px;")
        return label

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        scale = round(scale_of(self), 2)
        if scale != self._scale:  # only a new type size rebuilds, so layouts cannot ping-pong
            self._scale = scale
            self._apply_style()
            self.refresh()

    # --- content ---------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def refresh(self) -> None:
        c = self.controller
        session = c.session
        package = session.package()
        summary = c.current_summary()
        self.badge.setText(package.label)
        agreed = "   \u2713 AGREED" if session.agreed == package.label else ""
        self.title.setText((summary.name if summary else package.scenario_id) + agreed)
        letters = "  ".join(f"[{p.label}]" if p is package else p.label for p in session.packages)
        self.context.setText(f"{style.short_name(c.file.model.place.name)} budget workshop\n"
                             f"Packages  {letters}")
        if c.error:
            self.show_message(c.error)
        self._show_gauge(summary)
        self._show_red_lines(summary)
        self._show_comparison()
        # Labels added to a visible view are shown only by a queued call; show them now,
        # so a grab (a screenshot, the presenter's preview) never catches an empty table.
        for layout in (self.lines_body, self.compare):
            for i in range(layout.count()):
                item = layout.itemAt(i)
                widget = item.widget() if item is not None else None
                if widget is not None and widget.parentWidget() is not None:
                    widget.show()

    def _show_gauge(self, summary: PackageSummary | None) -> None:
        self.gauge.set_gauge(summary.gauge if summary else None)
        if summary is None:
            self.gauge_title.setText("No figures")
            self.gauge_source.setText("")
            self.gap.setText("")
            return
        g = summary.gauge
        self.gauge_title.setText(f"Net saving in {g.year_label}, £ a year")
        self.gauge_source.setText(f"Target: {money(g.target)}, {g.target_source}" if g.target is not None
                                  else "No savings target set")
        partners = g.partners_net
        if abs(partners) < 500:
            self.gap.setText("No net cost moves to partner agencies.")
        elif partners < 0:
            self.gap.setText(f"Gap: {money(-partners)} a year of knock-on costs lands on partners.")
        else:
            self.gap.setText(f"Partner agencies save a further {money(partners)} a year.")

    def _clear(self, layout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
            elif item.layout() is not None:
                self._clear(item.layout())

    def _show_red_lines(self, summary: PackageSummary | None) -> None:
        self._clear(self.lines_body)
        lines = summary.red_lines if summary else []
        breached = sum(s.breached for s in lines)
        self.lines_title.setText("Red lines" if not lines else
                                 f"Red lines: {breached} breached" if breached else "Red lines: all kept")
        if not lines:
            self.lines_body.addWidget(self._styled("None set.", pad=2))
            return
        for status in lines:
            if status.breached:
                mark = self._styled(f"\u2716 BREACHED from {status.first_breach_label}", size=30,
                                    colour=style.BACKGROUND, bold=True, background=style.BREACH, pad=4)
            else:
                mark = self._styled("\u2714 kept", size=30, colour=style.OK, bold=True, pad=4)
            worst = f"worst {status.worst_text}" if status.worst > 1e-9 else "no worsening"
            text = self._styled(f"{status.limit_text} ({worst})", size=26, pad=2)
            self.lines_body.addWidget(mark)
            self.lines_body.addWidget(text)
            self.lines_body.addSpacing(self.px(10))

    def _comparison_rows(self, shown: list[PackageSummary]) -> list[tuple[str, list[tuple[str, str | None]]]]:
        """(row heading, [(text, colour role) per package]) for the side-by-side table."""
        file = self.controller.file
        lead = self.controller.session.lead_agency
        rows: list[tuple[str, list[tuple[str, str | None]]]] = [
            ("Council net saving", [(money(s.gauge.agency_net), "bold") for s in shown]),
            ("Whole place net saving", [(money(s.gauge.place_net), "bold") for s in shown])]
        others = sorted({a for s in shown for a, v in s.agency_net.items() if a != lead and abs(v) >= 500},
                        key=lambda a: -max(abs(s.agency_net.get(a, 0.0)) for s in shown))[:2]
        for agency in others:
            rows.append((style.short_name(file.model.agency(agency).name),
                         [(money(_pounds(s.agency_net.get(agency, 0.0)), signed=True), None)
                          for s in shown]))
        rows.append(("Red lines", [(f"\u2716 {len(s.breaches)} breached", "breach") if s.breaches
                                   else ("\u2714 kept", "ok") for s in shown]))
        for i, change in enumerate(shown[0].outcomes[:3]):
            cells = []
            for s in shown:
                oc = s.outcomes[i]
                text = percent(oc.percent, decimals=1)
                cells.append((text, "worse" if oc.worse and abs(oc.percent) >= 0.05 else None))
            rows.append((change.name, cells))
        return rows

    def _show_comparison(self) -> None:
        grid = self.compare
        self._clear(grid)
        shown = self.controller.shown_summaries()
        if not shown:
            return
        current = self.controller.session.package().label
        year = shown[0].gauge.year_label
        grid.addWidget(self._styled(f"Compared, {year}", size=26, colour=style.MUTED, pad=6), 0, 0)
        grid.setColumnStretch(0, 4)
        colours = {"breach": style.BREACH, "worse": style.BREACH, "ok": style.OK}
        for col, s in enumerate(shown, start=1):
            here = style.HIGHLIGHT if s.label == current else None
            name = s.name if len(s.name) <= 44 else s.name[:42].rstrip() + "\u2026"
            head = self._styled(f"{s.label}  {name}", size=25, bold=True, background=here, pad=6)
            grid.addWidget(head, 0, col)
            grid.setColumnStretch(col, 3)
        for r, (heading, cells) in enumerate(self._comparison_rows(shown), start=1):
            grid.addWidget(self._styled(heading, size=25, colour=style.MUTED, pad=3), r, 0)
            for col, (text, role) in enumerate(cells, start=1):
                here = style.HIGHLIGHT if shown[col - 1].label == current else None
                grid.addWidget(self._styled(text, size=27, colour=colours.get(role or "", style.TEXT),
                                            bold=role is not None, background=here, pad=3, wrap=False),
                               r, col)
        grid.setRowStretch(len(self._comparison_rows(shown)) + 1, 1)
