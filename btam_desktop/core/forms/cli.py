"""Command-line validation of form files: ``python -m btam_desktop.core.forms PATH...``.

Each PATH may be a form (.yaml/.yml/.json), a shared ``choice_lists.yaml``, an XLSForm
workbook (.xlsx, validated by importing it) or a folder (validated as a form pack). Every
problem is printed, one per line; the exit status is 1 if there was any, 0 otherwise, 2 for
usage errors. The application CLI wraps :func:`main` as ``btam forms validate``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from btam_desktop.core.forms.definition import (
    SHARED_CHOICE_FILES,
    FormPack,
    load_choice_lists,
    load_form,
)
from btam_desktop.core.forms.errors import FormDefinitionError
from btam_desktop.core.forms.schema import schema_json
from btam_desktop.core.forms.xlsform import XLSFormImportError, import_xlsform

__all__ = ["check_path", "main"]


def check_path(path: Path) -> tuple[list[str], int]:
    """Validate one path; return (problem lines, number of valid forms)."""
    try:
        if path.is_dir():
            return [], len(FormPack.load(path))
        if not path.exists():
            return [f"{path}: no such file or directory"], 0
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            import_xlsform(path)
            return [], 1
        if path.name in SHARED_CHOICE_FILES:
            load_choice_lists(path)
            return [], 0
        load_form(path)
        return [], 1
    except FormDefinitionError as exc:
        return [f"{p.file}: {p}" if p.file else f"{path}: {p}" for p in exc.problems], 0
    except XLSFormImportError as exc:
        return [f"{path}: {p}" for p in exc.problems], 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the validator; returns the exit status."""
    stream = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m btam_desktop.core.forms",
        description="Validate BTAM form definitions, form packs and XLSForm workbooks.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    parser.add_argument(
        "--write-schema", type=Path, metavar="FILE", help="write the form JSON Schema to FILE"
    )
    args = parser.parse_args(argv)
    if args.write_schema is not None:
        args.write_schema.write_text(schema_json(), encoding="utf-8")
    if not args.paths:
        if args.write_schema is None:
            parser.error("give at least one PATH")
        return 0
    total_problems = 0
    total_forms = 0
    for path in args.paths:
        lines, forms = check_path(path)
        total_problems += len(lines)
        total_forms += forms
        for line in lines:
            print(line, file=stream)
    if total_problems:
        plural = "s" if total_problems != 1 else ""
        print(f"{total_problems} problem{plural} found", file=stream)
        return 1
    print(f"ok: {total_forms} form{'s' if total_forms != 1 else ''} valid", file=stream)
    return 0
