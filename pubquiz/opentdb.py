"""Questions from the Open Trivia DB (opentdb.com), as its API returns them: `response_code` and
`results`, each with `type` (multiple or boolean), `difficulty`, `category`, `question`,
`correct_answer` and `incorrect_answers`, in HTML entities (&quot;, &#039;). One round per category;
the options of a multiple-choice question are shuffled once, here, since the API lists the right
answer apart from the others."""

import html
import random

from flask_babel import gettext as _

from .questions import DIFFICULTIES
from .quizdoc import Builder, plain_quiz_form, plain_round_form
from .rules import N_

# What the API's response codes mean (its documentation), for a file that holds no questions.
RESPONSE_CODES = {
    1: N_("Open Trivia DB had no questions for that request"),
    2: N_("Open Trivia DB refused the request's arguments"),
    3: N_("the session token was not found"),
    4: N_("the session token has returned every question"),
    5: N_("too many requests were made"),
}
NOT_A_RESPONSE = N_("it is not a successful Open Trivia DB response")


def read(document, title, rng=random):
    builder = Builder()
    builder.settings(_("the file"), plain_quiz_form(title))
    code, results = document.get("response_code"), document.get("results")
    if code != 0:
        reason = _(RESPONSE_CODES.get(code, NOT_A_RESPONSE))
        builder.problem(_("the file"), f"response_code {code!r}: {reason}.")
        return builder.result()
    if not isinstance(results, list):
        builder.problem("results", _("a list of questions is needed."))
        return builder.result()
    rounds = {}
    for number, result in enumerate(results, 1):
        where = _("result %(number)s", number=number)
        if not isinstance(result, dict):
            builder.problem(where, _("a question is an object."))
            continue
        form = _form(builder, where, result, rng)
        if form is None:
            continue
        category = _text(result.get("category")) or "Open Trivia DB"
        form["category"] = _text(result.get("category"))
        # A difficulty the editor does not know is left out, not a reason to refuse the file.
        difficulty = _text(result.get("difficulty"))
        form["difficulty"] = difficulty if difficulty in DIFFICULTIES else ""
        if category not in rounds:
            rounds[category] = builder.round(where, plain_round_form(category))
        builder.question(rounds[category], where, form)
    return builder.result()


def _text(value):
    return html.unescape(value) if isinstance(value, str) else ""


def _form(builder, where, result, rng):
    prompt, correct = _text(result.get("question")), _text(result.get("correct_answer"))
    if result.get("type") == "boolean":
        return {"kind": "truefalse", "prompt": prompt, "truth": "false" if correct == "False" else "true"}
    if result.get("type") != "multiple":
        builder.problem(where, _("only multiple and boolean questions can be imported."), "type")
        return None
    incorrect = result.get("incorrect_answers")
    if not isinstance(incorrect, list):
        builder.problem(where, _("a list of wrong answers is needed."), "incorrect_answers")
        return None
    options = [correct, *(_text(answer) for answer in incorrect)]
    rng.shuffle(options)
    return {
        "kind": "choice",
        "prompt": prompt,
        "correct_option": str(options.index(correct)),
        **{f"option_{i}": option for i, option in enumerate(options)},
    }
