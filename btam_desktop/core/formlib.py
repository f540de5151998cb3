"""The forms a vault can use: the shipped pack (``forms/``) plus forms imported into the vault.

A definition is copied into the vault the first time a submission uses it, so a submission
always renders with the exact form version it was made with, even after the pack changes or
when the submission travels to another laptop.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from btam_desktop.core import audit
from btam_desktop.core.errors import InvalidInput, NotFound
from btam_desktop.core.forms import (
    FormDefinition,
    FormDefinitionError,
    FormPack,
    XLSFormImportError,
    load_and_validate,
)
from btam_desktop.core.forms.errors import FormsError
from btam_desktop.core.forms.xlsform import read_xlsform
from btam_desktop.core.paths import forms_dir

if TYPE_CHECKING:
    from btam_desktop.core.session import Session


class FormProblems(InvalidInput):
    """A form definition (or workbook) was rejected; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("form rejected:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FormInfo:
    """One form as listed to users."""

    form_id: str
    version: int
    title: str
    source: str  # "shipped" or "imported"

    def to_json(self) -> dict[str, Any]:
        """Stable keys for ``--json``."""
        return {"id": self.form_id, "version": self.version, "title": self.title,
                "source": self.source}


_PACK_CACHE: dict[Path, FormPack] = {}


def shipped_pack(directory: Path | None = None) -> FormPack:
    """The shipped form pack (loaded once per process)."""
    directory = (directory or forms_dir()).resolve()
    if directory not in _PACK_CACHE:
        try:
            _PACK_CACHE[directory] = FormPack.load(directory)
        except FormDefinitionError as exc:
            # A department's edit broke a form: say exactly where, change nothing.
            raise FormProblems([
                f"{p.file or directory}: {p}" for p in exc.problems
            ] + [f"fix the form pack in {directory} (check it with `btam forms validate`)"]
            ) from None
        except FormsError as exc:
            raise FormProblems([f"{directory}: {exc}"]) from None
    return _PACK_CACHE[directory]


def _digest(form: FormDefinition) -> str:
    return hashlib.sha256(form.to_json().encode("utf-8")).hexdigest()


class FormLibrary:
    """Shipped and vault-stored form definitions for one session."""

    def __init__(self, session: Session, pack_dir: Path | None = None) -> None:
        self.session = session
        self._pack_dir = pack_dir
        self._cache: dict[tuple[str, int], FormDefinition] = {}
        self.notices: list[str] = []

    @property
    def pack(self) -> FormPack:
        """The shipped pack."""
        return shipped_pack(self._pack_dir)

    def _stored_rows(self) -> list[Any]:
        return self.session.db.query(
            "SELECT form_id, version, title, source FROM form_definitions"
            " WHERE deleted_at IS NULL ORDER BY form_id, version")

    def available(self) -> list[FormInfo]:
        """The newest version of every form, shipped or imported, by id."""
        best: dict[str, FormInfo] = {}
        for form in self.pack:
            best[form.id] = FormInfo(form.id, form.version, form.title, "shipped")
        for row in self._stored_rows():
            info = FormInfo(row["form_id"], int(row["version"]), row["title"], row["source"])
            current = best.get(info.form_id)
            if current is None or info.version > current.version or (
                    info.version == current.version and info.source == "imported"):
                best[info.form_id] = info
        return sorted(best.values(), key=lambda i: i.form_id)

    def definition(self, form_id: str, version: int | None = None) -> FormDefinition:
        """A form by id: the given version, or the newest available."""
        if version is None:
            info = next((i for i in self.available() if i.form_id == form_id), None)
            if info is None:
                raise NotFound(f"no form {form_id!r}; see `btam forms list`")
            version = info.version
        key = (form_id, version)
        if key in self._cache:
            return self._cache[key]
        row = self.session.db.query_one(
            "SELECT definition FROM form_definitions WHERE form_id = ? AND version = ?", key)
        if row is not None:
            form = FormDefinition.from_json(row["definition"])
        else:
            shipped = self.pack.get(form_id)
            if shipped is None or shipped.version != version:
                raise NotFound(f"form {form_id} version {version} is not available")
            form = shipped
        self._cache[key] = form
        return form

    def ensure_stored(self, form: FormDefinition, source: str = "shipped") -> None:
        """Keep ``form`` in the vault (once per id and version; a different document under
        the same id and version is refused: bump the version)."""
        row = self.session.db.query_one(
            "SELECT sha256 FROM form_definitions WHERE form_id = ? AND version = ?",
            (form.id, form.version))
        digest = _digest(form)
        if row is not None:
            if row["sha256"] != digest:
                raise InvalidInput(
                    f"the vault already holds {form.id} version {form.version} with different"
                    " content; give the changed form a higher version number")
            return
        with self.session.operation("form.store") as op:
            op.insert("form_definitions", {
                "form_id": form.id, "version": form.version, "title": form.title,
                "definition": form.to_json(), "sha256": digest, "source": source,
                "created_at": audit.utc_now(), "created_by": self.session.member_id})
            op.audit("form.store", "form", form.id, version=form.version, source=source)
        self._cache[(form.id, form.version)] = form

    def load_file(self, path: Path) -> FormDefinition:
        """Read and fully validate a form file (YAML, JSON or an XLSForm workbook .xlsx,
        .xlsm or .xls). What an XLSForm import accepted with a notice is in ``notices``."""
        path = Path(path)
        self.notices = []
        if not path.exists():
            raise InvalidInput(f"no file at {path}")
        try:
            if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
                result = read_xlsform(path)
                self.notices = [str(n) for n in result.notices]
                return FormDefinition.from_dict(result.document)
            return load_and_validate(path, shared_choice_lists=dict(
                self.pack.shared_choice_lists))
        except FormDefinitionError as exc:
            raise FormProblems([str(p) for p in exc.problems]) from None
        except XLSFormImportError as exc:
            raise FormProblems([str(p) for p in exc.problems]) from None
        except FormsError as exc:
            raise FormProblems([str(exc)]) from None

    def import_file(self, path: Path) -> FormDefinition:
        """Validate a form file and keep it in the vault (team leads; in a team, a lead laptop
        of its roster: the form travels to every laptop of the team, and every officer's vault
        has a lead of its own)."""
        from btam_desktop.core.errors import PermissionDenied

        if self.session.role != "lead":
            raise PermissionDenied("only a team lead may add forms to the vault")
        from btam_desktop.core.sync import team  # core.sync builds on this module

        reason = team.lead_refusal(self.session)
        if reason is not None:
            raise PermissionDenied(reason)
        form = self.load_file(path)
        shipped = self.pack.get(form.id)
        if (shipped is not None and shipped.version == form.version
                and _digest(shipped) != _digest(form)):
            raise InvalidInput(
                f"{form.id} version {form.version} is a shipped form with different content;"
                " give the changed form a higher version number")
        self.ensure_stored(form, source="imported")
        return form


def canonical_answers(answers: dict[str, Any]) -> str:
    """Answers as stored: canonical JSON."""
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)
