"""Quiz documents (quizdoc.py) in PostgreSQL: a whole quiz written in one transaction (all of it or
none of it), read back with its pictures and sounds, and the pending import a host previews."""

import json

from . import db, media, quizjson
from .quizdoc import Media, Question, Quiz, Round

QUESTION_KEYS = (
    "kind",
    "prompt",
    "options",
    "correct_option",
    "accepted",
    "numeric_answer",
    "tolerance",
    "time_limit",
    "points",
    "image_on_phones",
    "category",
    "difficulty",
)


def save(host_id, quiz):
    """The new quiz's id; every round, question and file is written, or nothing is."""
    with db.transaction() as tx:
        quiz_id = tx.value("insert_quiz", host_id=host_id, title=quiz.values["title"])
        tx.run("update_quiz", id=quiz_id, **quiz.values)
        for position, round_ in enumerate(quiz.rounds, 1):
            round_id = tx.value("insert_imported_round", quiz_id=quiz_id, position=position, **round_.values)
            for number, question in enumerate(round_.questions, 1):
                tx.run(
                    "insert_imported_question",
                    round_id=round_id,
                    position=number,
                    image_id=_store(tx, host_id, question.image),
                    audio_id=_store(tx, host_id, question.audio),
                    **question.values,
                )
    return quiz_id


def _store(tx, host_id, file):
    if file is None:
        return None
    return media.store(tx, host_id, file.kind, file.content_type, file.filename, file.data)


def load(quiz_id):
    """The quiz as a document, as the editor shows it; None when there is no such quiz (on a read
    replica, not yet)."""
    row = db.one("quiz_by_id", id=quiz_id)
    if row is None:
        return None
    rounds = {
        r["id"]: Round({key: r[key] for key in quizjson.ROUND_KEYS})
        for r in db.all("rounds_of_quiz", quiz_id=quiz_id)
    }
    for x in db.all("questions_of_quiz", quiz_id=quiz_id):
        values = {key: x[key] for key in QUESTION_KEYS}
        rounds[x["round_id"]].questions.append(Question(values, _file(x["image_id"]), _file(x["audio_id"])))
    return Quiz({key: row[key] for key in quizjson.QUIZ_KEYS}, list(rounds.values()))


def _file(media_id):
    if media_id is None:
        return None
    row = db.one("media_by_id", id=media_id)
    return Media(row["kind"], row["content_type"], row["filename"], bytes(row["bytes"]))


def keep_import(host_id, quiz):
    """Keeps the checked quiz until the host confirms it: its id."""
    return db.one("keep_import", host_id=host_id, document=quizjson.dumps(quiz))["id"]


def take_import(host_id, import_id):
    """The pending quiz (once), or None when it was taken already or replaced by a newer upload."""
    row = db.one("take_import", host_id=host_id, id=import_id)
    return None if row is None else quizjson.read(json.loads(row["document"]), "")[0]
