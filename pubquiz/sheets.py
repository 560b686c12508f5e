"""Quizzes as spreadsheets (CSV and XLSX): one row per question, the way quiz masters keep them.
A formula in a workbook is never evaluated (it is a problem to fix), and a cell we write can never
become one: a text starting with = + - @ (or a tab or CR) is written with a leading quote in a CSV
and as plain text in a workbook."""

import csv
import io
import zipfile

import openpyxl
from flask_babel import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from . import questions
from .quizdoc import Builder, plain_quiz_form, plain_round_form
from .rules import N_

OPTION_COLUMNS = [f"option {letter}" for letter in questions.LETTERS]
COLUMNS = [
    "round",
    "kind",
    "question",
    *OPTION_COLUMNS,
    "answer",
    "points",
    "time limit",
    "tolerance",
    "category",
    "difficulty",
]
REQUIRED = ("kind", "question", "answer")
# Where a field's problem is in the file; English, marked for the catalogues (the Builder says it
# in the page's language, the file's own column names staying as the file has them).
LABELS = {
    "prompt": N_("column question"),
    "kind": N_("column kind"),
    "options": N_("column options"),
    "correct_option": N_("column answer"),
    "accepted": N_("column answer"),
    "numeric_answer": N_("column answer"),
    "tolerance": N_("column tolerance"),
    "time_limit": N_("column time limit"),
    "points": N_("column points"),
    "title": N_("column round"),
    "category": N_("column category"),
    "difficulty": N_("column difficulty"),
}
KIND_NAMES = {
    **{key: key for key in questions.KINDS},
    **{label.casefold(): key for key, label in questions.KINDS.items()},
    "multiple choice": "choice",
    "true/false": "truefalse",
    "number": "numeric",
}
TRUTH = {"true": "true", "t": "true", "yes": "true", "false": "false", "f": "false", "no": "false"}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# A workbook is a zip: a few megabytes can unpack to gigabytes, which openpyxl would hold in memory.
MAX_UNPACKED = 50 * 2**20


def _row(
    round_title, kind, prompt, options, answer, points, time_limit, tolerance="", category="", difficulty=""
):
    blanks = [""] * len(OPTION_COLUMNS)
    return [
        round_title,
        kind,
        prompt,
        *(list(options) + blanks)[: len(blanks)],
        answer,
        str(points),
        str(time_limit),
        tolerance,
        category,
        difficulty,
    ]


# One example of each kind, for the downloadable template.
TEMPLATE = [
    _row(
        "Warm-up",
        "choice",
        "Which planet is red?",
        ["Venus", "Mars", "Jupiter"],
        "Mars",
        1,
        30,
        "",
        "Space",
        "easy",
    ),
    _row("Warm-up", "truefalse", "The Moon is a planet.", [], "False", 1, 20),
    _row("Music", "text", "Who wrote the Moonlight Sonata?", [], "Beethoven | Ludwig van Beethoven", 2, 45),
    _row("Music", "numeric", "In which year did the Beatles split?", [], "1970", 3, 30, "1"),
]


def rows_of(quiz):
    """The header and one row per question."""
    rows = [COLUMNS]
    for round_ in quiz.rounds:
        for question in round_.questions:
            v = question.values
            numeric = v["kind"] == "numeric"
            options = v["options"] if v["kind"] == "choice" else []
            tolerance = str(v["tolerance"]) if numeric else ""
            rows.append(
                _row(
                    round_.values["title"],
                    v["kind"],
                    v["prompt"],
                    options,
                    _answer(v),
                    v["points"],
                    v["time_limit"],
                    tolerance,
                    v["category"] or "",
                    v["difficulty"] or "",
                )
            )
    return rows


def _answer(v):
    if v["kind"] in ("choice", "truefalse"):
        return v["options"][v["correct_option"]]
    if v["kind"] == "text":
        return " | ".join(v["accepted"])
    return str(v["numeric_answer"])


def write_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["'" + cell if cell.startswith(DANGEROUS) else cell for cell in row])
    return out.getvalue().encode("utf-8-sig")  # the BOM: Excel then reads the file as UTF-8


def write_xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Questions"
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, even "=1+1": openpyxl would otherwise write a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 16), ("B", 10), ("C", 48), ("J", 24)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_csv(text, title):
    # Spreadsheets in many languages save with ";" (or a tab): the column names' line tells which.
    header = text.partition("\n")[0]
    delimiter = max(",;\t", key=header.count)
    return read_rows(_csv_rows(csv.reader(io.StringIO(text), delimiter=delimiter)), title, unquote=True)


def _csv_rows(reader):
    try:
        for number, row in enumerate(reader, 1):
            yield number, {}, row
    except csv.Error as error:
        yield reader.line_num, {"file": f"this is not a CSV file we can read ({error})."}, []


def read_xlsx(data, title):
    builder = Builder()
    try:
        if sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist()) > MAX_UNPACKED:
            builder.problem(
                _("the file"),
                _("this workbook unpacks to more than %(size)s MB.", size=MAX_UNPACKED // 2**20),
            )
            return builder.result()
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        builder.problem(_("the file"), _("this is not an XLSX workbook we can read."))
        return builder.result()
    try:
        return read_rows(_xlsx_rows(book.worksheets[0]), title, unquote=False)
    finally:
        book.close()


def _xlsx_rows(sheet):
    """(row number, problems by column index, texts) per row; a formula is never evaluated."""
    for number, row in enumerate(sheet.iter_rows(max_col=len(COLUMNS) + 5), 1):
        problems, texts = {}, []
        for index, cell in enumerate(row):
            if cell.data_type == "f":
                problems[index] = _("formulas are not read: type the value itself.")
                texts.append("")
            else:
                texts.append(_text(cell.value))
        yield number, problems, texts


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(rows, title, unquote):
    """(quiz, problems) from (row number, problems, cells) with the column names first; a row's
    problems are by cell index, or {"file": ...} where the file cannot be read any further."""
    builder = Builder(LABELS)
    builder.settings(_("the file"), plain_quiz_form(title))
    columns = None
    rounds, round_title = {}, "Round 1"
    for number, cell_problems, cells in rows:
        where = _("row %(number)s", number=number)
        if "file" in cell_problems:
            builder.problem(where, cell_problems["file"])
            break
        if columns is None:
            columns = _columns(builder, cells)
            if columns is None:
                break
            continue
        for index, message in cell_problems.items():
            builder.problem(where, message, _("column %(name)s", name=columns.get(index, index + 1)))
        row = {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
        if unquote:  # our own CSV export quotes what a spreadsheet would run as a formula
            row = {
                k: v[1:] if v.startswith("'") and v[1:].startswith(DANGEROUS) else v for k, v in row.items()
            }
        if not any(v.strip() for v in row.values()):
            continue
        if builder.full:
            break  # a huge sheet is not read to its end for one problem
        round_title = row.get("round", "").strip() or round_title
        if round_title not in rounds:
            rounds[round_title] = builder.round(where, plain_round_form(round_title))
        builder.question(rounds[round_title], where, _question_form(builder, where, row))
    if columns is None and not builder.problems:
        builder.problem(
            _("row %(number)s", number=1),
            _("the first row names the columns: %(columns)s.", columns=", ".join(COLUMNS)),
        )
    return builder.result()


def _columns(builder, cells):
    """{cell index: column name} from the first row, or None with a problem."""
    known = {name.casefold(): name for name in COLUMNS}
    names = [known.get(" ".join(c.split()).casefold()) for c in cells]
    columns = {i: name for i, name in enumerate(names) if name}
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        builder.problem(
            _("row %(number)s", number=1),
            _(
                "the first row names the columns (%(columns)s); missing: %(missing)s.",
                columns=", ".join(COLUMNS),
                missing=", ".join(missing),
            ),
        )
        return None
    return columns


def _question_form(builder, where, row):
    kind = KIND_NAMES.get(" ".join(row.get("kind", "").split()).casefold(), row.get("kind", ""))
    answer = row.get("answer", "")
    form = {
        "kind": kind,
        "prompt": row.get("question", ""),
        "points": row.get("points", ""),
        "time_limit": row.get("time limit", ""),
        "category": row.get("category", ""),
        "difficulty": row.get("difficulty", "").strip().casefold(),
    }
    if kind == "choice":
        options = [" ".join(row.get(name, "").split()) for name in OPTION_COLUMNS]
        form.update({f"option_{i}": option for i, option in enumerate(options)})
        form["correct_option"] = _correct(builder, where, options, answer)
    elif kind == "truefalse":
        form["truth"] = TRUTH.get(answer.strip().casefold())
        if form["truth"] is None:
            builder.problem(where, _("write True or False."), "correct_option")
    elif kind == "text":
        form["accepted"] = "\n".join(answer.split("|"))
    else:
        form.update(numeric_answer=answer, tolerance=row.get("tolerance", ""))
    return form


def _correct(builder, where, options, answer):
    """The index of the right option: named by its text, or by its letter (A–F)."""
    answer = " ".join(answer.split())
    for i, option in enumerate(options):
        if option and option.casefold() == answer.casefold():
            return str(i)
    if len(answer) == 1 and answer.upper() in questions.LETTERS:
        return str(questions.LETTERS.index(answer.upper()))
    if not any(options):
        return "0"  # the missing options are the problem (the editor's rules say so)
    builder.problem(where, _("the answer must be one of the options, or its letter (A–F)."), "correct_option")
    return str(next(i for i, option in enumerate(options) if option))  # one problem, not two
