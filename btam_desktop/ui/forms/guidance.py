"""The guidance panel: assessment-guide text for the question (and section) being answered.

Guidance in the form files is "markdown-light" (paragraphs and ``-`` lists), so it is shown as
Markdown. Without a focused question the panel shows the form's own description and guidance,
which is what an officer new to BTAM needs first.
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from btam_desktop.core.forms import Field, FormDefinition, Section

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#<>|])")


def _plain(text: str) -> str:
    """Escape text that must not be read as Markdown (labels, titles)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


class GuidancePanel(QWidget):
    """A heading and a read-only text browser; links are not followed (the app is offline)."""

    def __init__(self, form: FormDefinition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.setObjectName("guidancePanel")
        self.setAccessibleName("Guidance")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.setSpacing(6)
        caption = QLabel("Guidance", self)
        caption.setObjectName("guidanceCaption")
        font = caption.font()
        font.setBold(True)
        caption.setFont(font)
        layout.addWidget(caption)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guidanceText")
        self.browser.setOpenLinks(False)
        self.browser.setAccessibleName("Guidance text")
        layout.addWidget(self.browser, 1)
        self._key: tuple[str, ...] | None = None
        self.show_form()

    def set_form(self, form: FormDefinition) -> None:
        """Show ``form`` (the same form in another language) from now on."""
        self.form = form
        key = self._key
        self._key = None
        if key == ("form",):
            self.show_form()
        elif key is not None and key[0] == "section":
            self.show_section(form.section(key[1]))
        elif key is not None and key[0] == "field":
            self.show_field(form.field(key[1]), form.section(key[2]))

    def markdown(self) -> str:
        """What is shown, as Markdown (for tests)."""
        return self.browser.toMarkdown()

    def show_form(self) -> None:
        """The form's description, guidance and jurisdiction notes."""
        key = ("form",)
        if key == self._key:
            return
        self._key = key
        form = self.form
        parts = [f"### {_plain(form.title)}"]
        if form.description:
            parts.append(form.description)
        if form.guidance:
            parts.append(form.guidance)
        if form.jurisdiction_notes:
            parts.append(f"#### Local notes\n\n{form.jurisdiction_notes}")
        if len(parts) == 1:
            parts.append("Select a question to see guidance for it here.")
        self._set("\n\n".join(parts))

    def show_field(self, field: Field, section: Section) -> None:
        """Guidance of ``field`` and of its section (or the form's, when neither has any)."""
        key = ("field", field.id, section.id)
        if key == self._key:
            return
        self._key = key
        parts = [f"### {_plain(field.label)}"]
        if field.guidance:
            parts.append(field.guidance)
        if section.guidance:
            parts.append(f"#### Section: {_plain(section.title)}\n\n{section.guidance}")
        if not field.guidance and not section.guidance:
            general = self.form.guidance or self.form.description
            if general:
                parts.append("No guidance for this question. The form's guidance:")
                parts.append(general)
            else:
                parts.append("No guidance for this question.")
        self._set("\n\n".join(parts))

    def show_section(self, section: Section) -> None:
        """Guidance of a whole section (when jumping to it)."""
        key = ("section", section.id)
        if key == self._key:
            return
        self._key = key
        parts = [f"### {_plain(section.title)}"]
        parts.append(section.guidance or "No guidance for this section.")
        self._set("\n\n".join(parts))

    def _set(self, markdown: str) -> None:
        self.browser.setMarkdown(markdown)
        self.browser.verticalScrollBar().setValue(0)
