"""A quiz as a file holds it: its settings, rounds and questions, with their pictures and sounds,
free of Flask and SQL. Every file format fills the editor's own forms and checks them with the
editor's own rules (questions.py), so a file can hold nothing the editor would refuse; each
problem says where it is ("row 14, column answer: ...")."""

import base64
import binascii
from dataclasses import dataclass, field

from flask_babel import gettext as _

from . import questions
from .mediafiles import LIMITS, clean_filename, sniff

MAX_QUESTIONS = 1000


@dataclass
class Media:
    kind: str  # "image" or "audio"
    content_type: str
    filename: str
    data: bytes


@dataclass
class Question:
    values: dict  # the question's columns, as questions.parse gives them
    image: Media | None = None
    audio: Media | None = None


@dataclass
class Round:
    values: dict  # title, joker_eligible, negative_marking
    questions: list = field(default_factory=list)


@dataclass
class Quiz:
    values: dict  # title, speed_bonus, leaderboard_mode, leaderboard_top
    rounds: list = field(default_factory=list)

    def question_count(self):
        return sum(len(r.questions) for r in self.rounds)


def quiz_form(values):
    """The quiz settings form that gives these values."""
    return {
        "title": values["title"],
        "scoring": "speed" if values["speed_bonus"] else "pub",
        "leaderboard_mode": values["leaderboard_mode"],
        "leaderboard_top": "" if values["leaderboard_top"] is None else str(values["leaderboard_top"]),
    }


def round_form(values):
    return {
        "title": values["title"],
        "joker_eligible": "on" if values["joker_eligible"] else "",
        "negative_marking": "on" if values["negative_marking"] else "",
    }


def plain_quiz_form(title):
    """The settings of a quiz from a file that has none (a spreadsheet): the editor's defaults."""
    return {"title": title, "scoring": "pub", "leaderboard_mode": "question"}


def plain_round_form(title):
    return {"title": title}


class Builder:
    """Collects a quiz from forms, checked by the editor's rules. `labels` names a form field the
    way the file does (prompt is the "column question" of a spreadsheet)."""

    def __init__(self, labels=None):
        self.labels = labels or {}
        self.problems = []
        self.quiz = Quiz({})
        self.full = False

    def problem(self, where, message, field_name=None):
        label = self.labels.get(field_name, field_name)
        label = label and _(label)  # a file's own name for the field (a JSON key) stays as it is
        self.problems.append(f"{where}, {label}: {message}" if label else f"{where}: {message}")

    def _report(self, where, errors):
        for field_name, message in errors.items():
            self.problem(where, message, field_name)

    def settings(self, where, form):
        values, errors = questions.parse_quiz(form)
        self._report(where, errors)
        self.quiz.values = values

    def round(self, where, form):
        values, errors = questions.parse_round(form)
        self._report(where, errors)
        round_ = Round(values)
        self.quiz.rounds.append(round_)
        return round_

    def question(self, round_, where, form, image=None, audio=None):
        if self.quiz.question_count() >= MAX_QUESTIONS:
            if not self.full:  # said once, not for each question past the limit
                most = f"{MAX_QUESTIONS:,}"
                self.problem(where, _("a quiz can hold at most %(count)s questions.", count=most))
                self.full = True
            return
        values, errors = questions.parse(form)
        if "kind" in errors:  # then the form was read as a multiple-choice one: its problems are noise
            errors = {"kind": errors["kind"]}
        if form.get(f"option_{questions.MAX_OPTIONS}"):
            errors.setdefault(
                "options",
                _("A multiple-choice question takes 2–%(count)s options.", count=questions.MAX_OPTIONS),
            )
        self._report(where, errors)
        round_.questions.append(Question(values, image, audio))

    def media(self, where, kind, value):
        """A picture or a sound from {"filename", "data" (base64)}: checked by its bytes."""
        if value is None:
            return None
        picture = kind == "image"
        if not isinstance(value, dict) or not isinstance(value.get("data"), str):
            self.problem(
                where,
                _("a picture needs its data (base64).") if picture else _("a sound needs its data (base64)."),
                kind,
            )
            return None
        try:
            data = base64.b64decode(value["data"], validate=True)
        except (binascii.Error, ValueError):
            self.problem(where, _("its data is not base64."), kind)
            return None
        found = sniff(data[:16])
        if found is None or found[0] != kind:
            self.problem(
                where,
                _("this is not a picture we can show.") if picture else _("this is not a sound we can show."),
                kind,
            )
            return None
        if len(data) > LIMITS[kind]:
            size = LIMITS[kind] // (1024 * 1024)
            if picture:
                self.problem(where, _("a picture can be at most %(size)s MB.", size=size), kind)
            else:
                self.problem(where, _("a sound can be at most %(size)s MB.", size=size), kind)
            return None
        filename = value.get("filename")
        return Media(kind, found[1], clean_filename(filename if isinstance(filename, str) else ""), data)

    def result(self):
        """(the quiz, []) or (None, every problem)."""
        if not self.problems and not self.quiz.question_count():
            self.problems.append(_("There are no questions in this file."))
        return (None, self.problems) if self.problems else (self.quiz, [])
