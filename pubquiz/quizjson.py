"""The pubquiz JSON file: every setting, round and question of a quiz, its pictures and sounds
embedded (base64). Writing a quiz and reading the file back gives the same quiz."""

import base64
import json

from flask_babel import gettext as _

from .quizdoc import Builder, quiz_form, round_form

FORMAT = "pubquiz-quiz"
VERSION = 1
QUIZ_KEYS = ("title", "speed_bonus", "leaderboard_mode", "leaderboard_top")
ROUND_KEYS = ("title", "joker_eligible", "negative_marking")


def dumps(quiz):
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            **{key: quiz.values[key] for key in QUIZ_KEYS},
            "rounds": [
                {
                    **{key: r.values[key] for key in ROUND_KEYS},
                    "questions": [_question(q) for q in r.questions],
                }
                for r in quiz.rounds
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


def _question(question):
    v = question.values
    return {
        "kind": v["kind"],
        "prompt": v["prompt"],
        "options": list(v["options"]) if v["kind"] == "choice" else [],
        "correct_option": v["correct_option"],
        "accepted": list(v["accepted"]),
        # Strings: a number like 0.1 or 1E+3 comes back exactly as it was.
        "numeric_answer": None if v["numeric_answer"] is None else str(v["numeric_answer"]),
        "tolerance": str(v["tolerance"]),
        "time_limit": v["time_limit"],
        "points": v["points"],
        "image_on_phones": v["image_on_phones"],
        "category": v["category"],
        "difficulty": v["difficulty"],
        "image": _media(question.image),
        "audio": _media(question.audio),
    }


def _media(media):
    if media is None:
        return None
    return {
        "content_type": media.content_type,
        "filename": media.filename,
        "data": base64.b64encode(media.data).decode(),
    }


def read(document, title):
    """(quiz, problems) from a parsed JSON object whose "format" is ours."""
    builder = Builder()
    version = document.get("version")
    if version != VERSION:
        builder.problem(
            "version",
            _("this pubquiz reads version %(ours)s files, not %(theirs)r.", ours=VERSION, theirs=version),
        )
        return builder.result()
    settings = {key: document.get(key) for key in QUIZ_KEYS}
    settings["title"] = settings["title"] or title
    settings["leaderboard_mode"] = settings["leaderboard_mode"] or "question"
    if settings["speed_bonus"] not in (True, False):
        settings["speed_bonus"] = False
    builder.settings(_("the quiz"), _form(builder, _("the quiz"), quiz_form(settings)))
    rounds = document.get("rounds")
    if not isinstance(rounds, list):
        builder.problem(_("the quiz"), _("a list of rounds is needed."), "rounds")
        return builder.result()
    for r, round_ in enumerate(rounds, 1):
        where = _("round %(number)s", number=r)
        if not isinstance(round_, dict) or not isinstance(round_.get("questions"), list):
            builder.problem(where, _("a round needs a title and a list of questions."))
            continue
        flags = {key: round_.get(key) is True for key in ROUND_KEYS[1:]}
        into = builder.round(
            where, _form(builder, where, round_form({"title": round_.get("title"), **flags}))
        )
        for n, question in enumerate(round_["questions"], 1):
            _read_question(
                builder, into, _("round %(round)s, question %(number)s", round=r, number=n), question
            )
    return builder.result()


def _read_question(builder, into, where, question):
    if not isinstance(question, dict):
        builder.problem(where, _("a question is an object with its kind, prompt and answer."))
        return
    options, accepted = question.get("options") or [], question.get("accepted") or []
    if not isinstance(options, list) or not isinstance(accepted, list):
        builder.problem(where, _("options and accepted are lists."))
        return
    form = {
        "kind": question.get("kind"),
        "prompt": question.get("prompt"),
        "time_limit": question.get("time_limit"),
        "points": question.get("points"),
        "image_on_phones": "on" if question.get("image_on_phones") is True else "",
        "category": question.get("category"),
        "difficulty": question.get("difficulty"),
        "correct_option": question.get("correct_option"),
        "truth": "false" if question.get("correct_option") == 1 else "true",
        "accepted": "\n".join(a for a in accepted if isinstance(a, str)),
        "numeric_answer": question.get("numeric_answer"),
        "tolerance": question.get("tolerance"),
        **{f"option_{i}": option for i, option in enumerate(options)},
    }
    if question.get("kind") != "choice":
        form = {k: v for k, v in form.items() if not k.startswith("option_")}
    image = builder.media(where, "image", question.get("image"))
    audio = builder.media(where, "audio", question.get("audio"))
    builder.question(into, where, _form(builder, where, form), image, audio)


def _form(builder, where, fields):
    """The fields as a browser would post them: text. A list or an object where text or a number
    belongs is a problem, not a crash."""
    form = {}
    for name, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float | None):
            builder.problem(where, _("this should be text or a number."), name)
            value = ""
        form[name] = "" if value is None else str(value)
    return form
