"""What "usable on a small screen" means, as checks the small-screen tests (and the 1024x768
screenshot script) run on a laid-out window: no button text cut off, no button out of reach.

A button is *cut* when the width it is given is less than its own size hint (Qt then elides
or clips the text: "ort case repo", "tart forı"). A button is *out of reach* when part of it
lies outside the window, or outside a parent that clips it, unless it sits in a scroll area
(scrolling reaches it).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QScrollArea,
    QTabBar,
    QTableView,
    QWidget,
)

COMBO_ROOM = 44  # a drop-down's padding (8 + 8) and arrow (28) beside its text
SLACK = 2  # pixels of rounding a style may leave between a hint and the given width


def settle() -> None:
    """Let layouts and polish finish (posted LayoutRequest events run now)."""
    for _ in range(4):
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def plain(text: str) -> str:
    """A button text without its mnemonic marks."""
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&")


def in_scroll_area(widget: QWidget, root: QWidget) -> bool:
    """True when a scroll area between ``widget`` and ``root`` can scroll it into view."""
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def shown(widget: QWidget, root: QWidget) -> bool:
    """Visible, and not on a hidden page of a stack (isVisible covers both)."""
    return widget.isVisible() and widget.window() is root


def button_problems(root: QWidget, where: str = "") -> list[str]:
    """Every visible button of ``root`` whose text is cut or that lies out of reach, and
    every drop-down too narrow for its chosen text (form answers included)."""
    settle()
    problems: list[str] = []
    where = where or root.objectName() or type(root).__name__
    bounds = root.rect()
    for button in root.findChildren(QAbstractButton):
        if not shown(button, root) or button.width() <= 0:
            continue
        if isinstance(button.parentWidget(), QTabBar):
            continue  # tab bar scroll arrows and close buttons: the tab bar checks
        text = plain(button.text())
        name = text or button.accessibleName() or button.toolTip()[:30]
        hint = button.sizeHint().width()
        if text and button.width() + SLACK < hint:
            problems.append(f"{where}: {name!r} cut ({button.width()} of {hint} px)")
        if in_scroll_area(button, root):
            continue
        top_left = button.mapTo(root, QPoint(0, 0))
        rect = QRect(top_left, button.size())
        if not bounds.contains(rect):
            problems.append(f"{where}: {name!r} outside the window ({rect.getRect()})")
            continue
        visible = button.visibleRegion().boundingRect()
        if visible.width() + SLACK < button.width() or visible.height() + SLACK < \
                button.height():
            problems.append(f"{where}: {name!r} clipped by its parent "
                            f"({visible.width()}x{visible.height()} of "
                            f"{button.width()}x{button.height()})")
    for combo in root.findChildren(QComboBox):
        if not shown(combo, root):
            continue
        # The chosen item's text must show whole ("All memb" is cut): its width plus the
        # frame's padding and the arrow's room (COMBO_ROOM).
        needed = max(combo.minimumSizeHint().width(),
                     combo.fontMetrics().horizontalAdvance(combo.currentText()) + COMBO_ROOM
                     if combo.currentText() else 0)
        if combo.width() + SLACK < needed:
            problems.append(f"{where}: drop-down {combo.accessibleName()!r} cut "
                            f"({combo.width()} of {needed} px)")
    for area in root.findChildren(QScrollArea):
        inner = area.widget()
        if (shown(area, root) and inner is not None
                and area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
                and inner.width() > area.viewport().width() + SLACK):
            problems.append(f"{where}: {area.objectName() or 'scroll area'} cuts its right "
                            f"side ({inner.width()} of {area.viewport().width()} px shown)")
    return problems


CELL_ROOM = 16  # a cell's text margins and the grid line (ui.column_fit.CELL_PAD)
HEADING_ROOM = 12  # a heading's margins beside its text
SPARE = 40  # pixels a column may keep beyond its widest text while another's text is cut


def _text_width(table: QTableView, row: int, column: int) -> int:
    index = table.model().index(row, column)
    font = index.data(Qt.ItemDataRole.FontRole)
    metrics = QFontMetrics(font) if isinstance(font, QFont) else table.fontMetrics()
    return metrics.horizontalAdvance(str(index.data() or "")) + CELL_ROOM


def column_problems(table: QTableView, where: str, rows: int = 200) -> list[str]:
    """Columns of a shown table that do not suit its width: a heading cut (a column narrower
    than its heading's text), sideways scrolling, or a column kept wider than anything it
    holds while another column's text is cut ("…")."""
    settle()
    model = table.model()
    header = table.horizontalHeader()
    problems: list[str] = []
    columns = [c for c in range(model.columnCount()) if not table.isColumnHidden(c)]
    cut: list[str] = []
    spare: list[str] = []
    for column in columns:
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = table.columnWidth(column)
        heading = header.fontMetrics().horizontalAdvance(title) + HEADING_ROOM
        if width < heading:
            problems.append(f"{where}: heading {title!r} cut ({width} of {heading} px)")
        widest = max([heading, *(_text_width(table, r, column)
                                 for r in range(min(rows, model.rowCount())))])
        if any(_text_width(table, r, column) > width
               for r in range(min(rows, model.rowCount()))):
            cut.append(title)
        elif width > widest + SPARE:
            spare.append(f"{title!r} {width} px for {widest}")
    if cut and spare:
        problems.append(f"{where}: {', '.join(cut)} cut while {', '.join(spare)}")
    used = sum(table.columnWidth(c) for c in columns)
    if used > table.viewport().width() + SLACK:
        problems.append(f"{where}: columns {used} px in a {table.viewport().width()} px "
                        "table (sideways scrolling)")
    return problems


def tab_problems(bar: QTabBar, where: str) -> list[str]:
    """Tabs that are out of view when the bar cannot scroll to them."""
    settle()
    problems = []
    for index in range(bar.count()):
        rect = bar.tabRect(index)
        if not bar.rect().contains(rect) and not bar.usesScrollButtons():
            problems.append(f"{where}: tab {plain(bar.tabText(index))!r} out of view")
    return problems


def save_shot(widget: QWidget, folder: str, name: str) -> None:
    """Grab ``widget`` into ``folder/name.png`` (for looking at, not for asserting)."""
    import os

    os.makedirs(folder, exist_ok=True)
    settle()
    widget.grab().save(os.path.join(folder, f"{name}.png"))
