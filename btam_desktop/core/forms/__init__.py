"""Data-defined assessment forms: definitions, expressions, answers and XLSForm import.

Pure Python (never imports Qt). The format is specified in ``docs/form-format.md``; the
JSON Schema is ``forms/form.schema.json`` (= :data:`FORM_SCHEMA`).

Typical use::

    pack = FormPack.load("forms")
    form = pack["threat_inquiry"]
    state = evaluate(form, answers)                  # relevance + computed values
    problems = validate_answers(form, answers, complete=True)
"""

from btam_desktop.core.forms.answers import (
    AnswerProblem,
    FormState,
    ItemState,
    evaluate,
    initial_answers,
    new_item,
    relevant_answers,
    validate_answers,
)
from btam_desktop.core.forms.definition import (
    Choice,
    Field,
    FormDefinition,
    FormPack,
    RatingScale,
    Section,
    load_choice_lists,
    load_form,
)
from btam_desktop.core.forms.errors import (
    DefinitionProblem,
    ExpressionSyntaxError,
    FormDefinitionError,
    FormsError,
)
from btam_desktop.core.forms.expr import Expression, Reference, parse_expression
from btam_desktop.core.forms.fieldtypes import FIELD_TYPES, PERSON_ROLES, SENSITIVITY_TAGS
from btam_desktop.core.forms.schema import FORM_SCHEMA, FORMAT_MARKER
from btam_desktop.core.forms.validate import (
    load_and_validate,
    validate_choice_lists,
    validate_definition,
)
from btam_desktop.core.forms.xlsform import (
    XLSFormImportError,
    XLSFormProblem,
    import_xlsform,
    load_xlsform,
)

__all__ = [
    "FIELD_TYPES",
    "FORMAT_MARKER",
    "FORM_SCHEMA",
    "PERSON_ROLES",
    "SENSITIVITY_TAGS",
    "AnswerProblem",
    "Choice",
    "DefinitionProblem",
    "Expression",
    "ExpressionSyntaxError",
    "Field",
    "FormDefinition",
    "FormDefinitionError",
    "FormPack",
    "FormState",
    "FormsError",
    "ItemState",
    "RatingScale",
    "Reference",
    "Section",
    "XLSFormImportError",
    "XLSFormProblem",
    "evaluate",
    "import_xlsform",
    "initial_answers",
    "load_and_validate",
    "load_choice_lists",
    "load_form",
    "load_xlsform",
    "new_item",
    "parse_expression",
    "relevant_answers",
    "validate_answers",
    "validate_choice_lists",
    "validate_definition",
]
