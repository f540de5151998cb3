"""The form view's own style rules.

Colours come only from palette roles (``palette(...)``), never literal values, so the view
follows whichever theme the application applies (the night theme included) and a theme change
needs nothing from this module. Sizes are generous for the same reason as the app's base
style: laptops in moving cars, at arm's length.
"""

from __future__ import annotations

FORM_STYLE = """
QFrame#formSection {
    border: 1px solid palette(mid);
    border-radius: 6px;
    background: palette(base);
}
QLabel#sectionTitle {
    font-size: 15pt;
    font-weight: 600;
    padding-bottom: 2px;
}
QLabel#formTitle {
    font-size: 18pt;
    font-weight: 600;
}
QFrame#formNote {
    background: palette(alternate-base);
    border: 1px solid palette(mid);
    border-left: 5px solid palette(link);
    border-radius: 4px;
}
QLabel#formNoteText {
    font-weight: 600;
}
QFrame#repeatItem {
    border: 1px solid palette(mid);
    border-radius: 6px;
    background: palette(window);
}
/* Fusion's own radio button nearly disappears on a dark window; drawn here like the app's
   check boxes: a clear ring, and a filled centre when chosen. */
QRadioButton {
    spacing: 10px;
}
QRadioButton::indicator {
    width: 16px;
    height: 16px;
    border: 2px solid palette(mid);
    border-radius: 10px;
    background: palette(base);
}
QRadioButton::indicator:hover, QRadioButton::indicator:focus {
    border-color: palette(link);
}
/* The link role, not the highlight: the night theme's highlight is a deliberately dim blue
   that would fall under 3:1 against the field background for such a small mark. */
QRadioButton::indicator:checked {
    border-color: palette(link);
    background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
        stop: 0 palette(link), stop: 0.55 palette(link),
        stop: 0.65 palette(base), stop: 1 palette(base));
}
QRadioButton:focus {
    text-decoration: underline;
}
/* Read-only text (computed values, completed forms) must not look like a field to type in. */
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] {
    background: palette(window);
    border: 1px dashed palette(mid);
}
QPushButton#ratingPoint {
    min-width: 36px;
    padding: 6px 10px;
}
QPushButton#ratingPoint:checked {
    background: palette(highlight);
    color: palette(highlighted-text);
    border: 2px solid palette(highlight);
}
QListWidget#formSections {
    border: none;
    background: palette(window);
}
/* The current section keeps the highlight when the list has no focus or the window is not
   active (a read-only form is read with the wheel, the list never focused; issue 9). */
QListWidget#formSections::item:selected, QListWidget#formSections::item:selected:!active,
QListWidget#formSections::item:selected:!focus,
QListWidget#formSections::item:selected:disabled {
    background: palette(highlight);
    color: palette(highlighted-text);
}
QListWidget#completionProblems::item {
    padding: 4px 6px;
}
QScrollArea#formScroll, QWidget#formContent {
    background: palette(window);
    border: none;
}
"""
