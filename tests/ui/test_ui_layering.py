"""The UI holds no SQL and no cryptography (DESIGN: UI -> core -> database, one way)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "btam_desktop" / "ui"
FORBIDDEN_MODULES = ("sqlcipher3", "sqlite3", "cryptography", "hashlib", "hmac", "secrets",
                     "btam_desktop.core.db", "btam_desktop.core.keyslots",
                     "btam_desktop.core.keyfile")
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET|WHERE)\b", re.DOTALL)


def _modules() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def test_ui_imports_neither_database_nor_crypto_modules() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            offenders += [f"{path.name}: {name}" for name in names
                          if name.startswith(FORBIDDEN_MODULES)]
    assert offenders == []


def test_ui_contains_no_sql() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and SQL.search(node.value)):
                offenders.append(f"{path.name}: {node.value[:40]!r}")
    assert offenders == []
