"""Every action that is not a plain GoTo is refused wherever it is reached (issue 10): through
an action's ``/Next`` chain (a URI, a GoToR to a network share), and on a field's ``/Parent``
that no field list names, even inside a compressed object stream the raw scan cannot read."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from btam_desktop.core.pdf.errors import PdfRefused
from btam_desktop.core.pdf.safety import open_untrusted
from tests.core.pdf.conftest import _qpdf


def _link_page(writer: PdfWriter, action: DictionaryObject | None = None) -> DictionaryObject:
    """A page with one link annotation carrying ``action``; returns the annotation."""
    page = writer.add_blank_page(612, 792)
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)})
    if action is not None:
        link[NameObject("/A")] = action
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return link


def _goto(writer: PdfWriter, then: object) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/S"): NameObject("/GoTo"),
        NameObject("/D"): ArrayObject([NumberObject(0), NameObject("/Fit")]),
        NameObject("/Next"): then})


def _uri() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/URI"),
                             NameObject("/URI"): TextStringObject("http://evil.example/x")})


def _gotor() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/GoToR"),
                             NameObject("/F"): TextStringObject(r"\\fileserver\share\x.pdf")})


def _bytes(build: Callable[[PdfWriter], object]) -> bytes:
    writer = PdfWriter()
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_plain_goto_chain_is_accepted() -> None:
    data = _bytes(lambda w: _link_page(w, _goto(w, _goto(w, ArrayObject()))))
    assert isinstance(open_untrusted(data), PdfReader)


@pytest.mark.parametrize(("build", "kind"), [
    (lambda w: _link_page(w, _goto(w, _uri())), "URI"),
    (lambda w: _link_page(w, _goto(w, ArrayObject([_gotor()]))), "GoToR"),
    (lambda w: _link_page(w, _goto(w, _goto(w, _goto(w, _uri())))), "URI"),
], ids=["next-uri", "next-array-gotor", "deep-next-uri"])
def test_actions_reached_through_next_are_refused(build: Callable[[PdfWriter], object],
                                                  kind: str) -> None:
    with pytest.raises(PdfRefused, match=f"a {kind} action"):
        open_untrusted(_bytes(build))


def _orphan_parent_script(writer: PdfWriter) -> None:
    """A widget whose /Parent (named by no field list) carries a script."""
    parent = writer._add_object(DictionaryObject({
        NameObject("/T"): TextStringObject("p"),
        NameObject("/AA"): DictionaryObject({NameObject("/K"): DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)")})})}))
    widget = _link_page(writer)
    widget[NameObject("/Subtype")] = NameObject("/Widget")
    widget[NameObject("/Parent")] = parent


def test_script_on_an_unlisted_parent_is_refused() -> None:
    with pytest.raises(PdfRefused, match=r"automatic actions|JavaScript"):
        open_untrusted(_bytes(_orphan_parent_script))


def test_script_on_an_unlisted_parent_inside_an_object_stream_is_refused(
        tmp_path: Path) -> None:
    qpdf = cast(str, _qpdf(required=True))
    plain, packed = tmp_path / "plain.pdf", tmp_path / "packed.pdf"
    plain.write_bytes(_bytes(_orphan_parent_script))
    subprocess.run([qpdf, "--object-streams=generate", "--compress-streams=y", str(plain),
                    str(packed)], check=True)
    data = packed.read_bytes()
    assert b"JavaScript" not in data  # the raw scan cannot see it: only the walk can
    with pytest.raises(PdfRefused, match=r"automatic actions|JavaScript"):
        open_untrusted(data)
