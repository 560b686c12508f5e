"""Reading a quiz file of any format we know (told apart by its content, not its name) and
writing one, within size limits that keep a file from taking the server down."""

import json
from pathlib import PurePath

from flask_babel import gettext as _

from . import opentdb, quizjson, sheets
from .quizdoc import Builder

MB = 1024 * 1024
# A pubquiz JSON file carries its pictures and sounds (base64): it may be larger than a sheet.
MAX_JSON = 20 * MB
MAX_SHEET = 5 * MB
FORMATS = {
    "json": ("application/json", quizjson.dumps),
    "csv": ("text/csv; charset=utf-8", lambda quiz: sheets.write_csv(sheets.rows_of(quiz))),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda quiz: sheets.write_xlsx(sheets.rows_of(quiz)),
    ),
}
TEMPLATES = {
    "csv": lambda: sheets.write_csv([sheets.COLUMNS, *sheets.TEMPLATE]),
    "xlsx": lambda: sheets.write_xlsx([sheets.COLUMNS, *sheets.TEMPLATE]),
}


def title_from(filename):
    """A quiz title from the file's name: "friday_night-quiz.csv" is "friday night quiz"."""
    if (filename or "").startswith("<"):  # "<stdin>": `pubquiz quiz import -` has no file name
        return "Imported quiz"
    stem = PurePath(filename).stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:120] or "Imported quiz"


def read(data, filename=""):
    """(quiz, []) or (None, problems) from a file's bytes."""
    title = title_from(filename)
    if data.startswith(b"PK\x03\x04"):
        return (
            sheets.read_xlsx(data, title)
            if len(data) <= MAX_SHEET
            else _too_large(MAX_SHEET, _("An XLSX file"))
        )
    if len(data) > MAX_JSON:
        return _too_large(MAX_JSON, _("A quiz file"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _failed(
            _("byte %(number)s", number=error.start + 1),
            _("this is not UTF-8 text (in a spreadsheet, save as “CSV UTF-8”)."),
        )
    if text.lstrip().startswith(("{", "[")):
        return _read_json(text, title)
    if len(data) > MAX_SHEET:
        return _too_large(MAX_SHEET, _("A CSV file"))
    return sheets.read_csv(text, title)


def _read_json(text, title):
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return _failed(
            _("line %(number)s", number=error.lineno), _("this is not valid JSON (%(why)s).", why=error.msg)
        )
    except RecursionError:
        return _failed(_("the file"), _("this JSON is nested too deeply."))
    if isinstance(document, dict) and document.get("format") == quizjson.FORMAT:
        return quizjson.read(document, title)
    if isinstance(document, dict) and "response_code" in document:
        return opentdb.read(document, title)
    return _failed(_("the file"), _("a JSON file must be a pubquiz quiz or an Open Trivia DB response."))


def _failed(where, message):
    builder = Builder()
    builder.problem(where, message)
    return builder.result()


def _too_large(limit, what):
    return _failed(_("the file"), _("%(what)s can be at most %(size)s MB.", what=what, size=limit // MB))


def write(quiz, fmt):
    """(bytes, content type) of the quiz in this format (json, csv or xlsx)."""
    content_type, dump = FORMATS[fmt]
    data = dump(quiz)
    return (data.encode() if isinstance(data, str) else data), content_type
