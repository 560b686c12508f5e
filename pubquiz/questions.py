"""The editor's forms (a quiz's settings, a round, a question: what each kind needs), checked on
the server with clear messages. Quiz files are checked by these same rules (quizdoc.py)."""

from flask_babel import gettext as _

from . import rules
from .validation import Validation

# English, marked for the catalogues: the pages translate them.
KINDS = {
    "choice": rules.N_("Multiple choice"),
    "truefalse": rules.N_("True or false"),
    "text": rules.N_("Free text"),
    "numeric": rules.N_("Number (closest wins)"),
}
MAX_OPTIONS = 6
# Colour-blind safe: every option has a shape and a letter as well as a colour.
SHAPES = ("▲", "◆", "●", "■", "★", "⬟")
LETTERS = "ABCDEF"
TRUE_FALSE = ["True", "False"]
DIFFICULTIES = {"easy": rules.N_("Easy"), "medium": rules.N_("Medium"), "hard": rules.N_("Hard")}


def blank(kind="choice"):
    return {
        "kind": kind if kind in KINDS else "choice",
        "prompt": "",
        "options": ["", "", "", ""],
        "correct_option": 0,
        "accepted": [],
        "numeric_answer": None,
        "tolerance": 0,
        "time_limit": 30,
        "points": 1,
        "image_on_phones": False,
        "category": None,
        "difficulty": None,
    }


def parse(form):
    """(values for the question columns, errors by field)."""
    v = Validation(form)
    kind = form.get("kind", "")
    if kind not in KINDS:
        v.error("kind", _("Choose what kind of question this is."))
        kind = "choice"
    values = {
        "kind": kind,
        "prompt": v.text("prompt", _("The question"), max_length=500),
        "time_limit": v.integer("time_limit", _("Time limit"), minimum=5, maximum=600, default=30),
        "points": v.integer("points", _("Points"), minimum=0, maximum=100, default=1),
        "options": [],
        "correct_option": None,
        "accepted": [],
        "numeric_answer": None,
        "tolerance": 0,
        "image_on_phones": form.get("image_on_phones") == "on",
        # Optional: for finding the question in the bank later ("Geography", "hard").
        "category": v.text("category", _("Category"), required=False, max_length=60) or None,
        "difficulty": form.get("difficulty") or None,
    }
    if values["difficulty"] not in (None, *DIFFICULTIES):
        v.error("difficulty", _("Choose easy, medium or hard (or leave it empty)."))
    if kind == "choice":
        options = [" ".join((form.get(f"option_{i}") or "").split()) for i in range(MAX_OPTIONS)]
        if any(len(o) > 120 for o in options):
            v.error("options", _("Each option can be at most 120 characters."))
        correct = v.integer(
            "correct_option", _("The correct option"), minimum=0, maximum=MAX_OPTIONS - 1, default=0
        )
        if correct is not None and 0 <= correct < MAX_OPTIONS and not options[correct]:
            v.error("correct_option", _("The option marked correct is empty."))
        kept = [o for o in options if o]
        if len(kept) < 2:
            v.error("options", _("Give at least two options."))
        if len({o.casefold() for o in kept}) != len(kept):
            v.error("options", _("Two options are the same."))
        # Empty option boxes are dropped, so the correct index moves with them.
        values["correct_option"] = kept.index(options[correct]) if v.ok else correct
        values["options"] = kept if v.ok else options
    elif kind == "truefalse":
        values["options"] = TRUE_FALSE
        values["correct_option"] = 0 if form.get("truth") != "false" else 1
    elif kind == "text":
        accepted = [" ".join(line.split()) for line in (form.get("accepted") or "").splitlines()]
        accepted = [a for a in accepted if a]
        if not accepted:
            v.error("accepted", _("Give at least one accepted answer (one per line)."))
        elif len(accepted) > 30 or any(len(a) > 120 for a in accepted):
            v.error("accepted", _("At most 30 accepted answers of up to 120 characters each."))
        values["accepted"] = accepted
    else:
        values["numeric_answer"] = v.number("numeric_answer", _("The answer"))
        tolerance = v.number("tolerance", _("Tolerance"), required=False)
        if tolerance is not None and tolerance < 0:
            v.error("tolerance", _("Tolerance cannot be negative."))
        values["tolerance"] = tolerance or 0
    return values, v.errors


def parse_quiz(form):
    """(values for the quiz's columns, errors by field): its title and settings."""
    v = Validation(form)
    title = v.text("title", _("Title"), max_length=120)
    mode = form.get("leaderboard_mode", "question")
    if mode not in rules.LEADERBOARD_MODES:
        v.error("leaderboard_mode", _("Choose when the leaderboard may be shown."))
    top = v.integer("leaderboard_top", _("Places shown"), minimum=1, maximum=100, default=0) or None
    values = {
        "title": title,
        "speed_bonus": form.get("scoring") == "speed",
        "leaderboard_mode": mode,
        "leaderboard_top": top,
    }
    return values, v.errors


def parse_round(form):
    """(values for the round's columns, errors by field)."""
    v = Validation(form)
    values = {
        "title": v.text("title", _("Round title"), max_length=120),
        "joker_eligible": form.get("joker_eligible") == "on",
        "negative_marking": form.get("negative_marking") == "on",
    }
    return values, v.errors
