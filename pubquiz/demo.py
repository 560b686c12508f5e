"""A demo host and a demo quiz so a fresh install can run a quiz night at once."""
import secrets

from . import auth, db

DEMO_EMAIL = "demo@pubquiz.local"
DEMO_TITLE = "Demo pub quiz"
ROUNDS = [
    ("General knowledge", [
        dict(kind="choice", prompt="Which planet is known as the Red Planet?",
             options=["Venus", "Mars", "Jupiter", "Mercury"], correct_option=1, time_limit=20),
        dict(kind="truefalse", prompt="The Great Wall of China is visible from the Moon with the naked eye.",
             options=["True", "False"], correct_option=1, time_limit=15),
        dict(kind="text", prompt="Who composed the “Moonlight” Sonata?",
             accepted=["Beethoven", "Ludwig van Beethoven"], time_limit=30),
    ]),
    ("Numbers", [
        dict(kind="numeric", prompt="In what year did the first person walk on the Moon?",
             numeric_answer=1969, tolerance=0, time_limit=20),
        dict(kind="numeric", prompt="How many bones are in the adult human body?",
             numeric_answer=206, tolerance=5, time_limit=25, points=2),
        dict(kind="choice", prompt="How many players does a rugby union team have on the field?",
             options=["11", "13", "15", "18"], correct_option=2, time_limit=20),
    ]),
]


def seed():
    """Create (or refresh) the demo account with a new password; returns (email, password)."""
    password = secrets.token_urlsafe(9)
    with db.transaction() as tx:
        host = tx.one("host_by_email", email=DEMO_EMAIL)
        if host is None:
            host_id = tx.value("insert_host", email=DEMO_EMAIL, password_hash=auth.hash_password(password))
        else:
            host_id = host["id"]
            tx.run("set_password", id=host_id, password_hash=auth.hash_password(password))
        if not any(q["title"] == DEMO_TITLE for q in tx.all("quizzes_of_host", host_id=host_id)):
            _add_quiz(tx, host_id)
    return DEMO_EMAIL, password


def _add_quiz(tx, host_id):
    quiz_id = tx.value("insert_quiz", host_id=host_id, title=DEMO_TITLE)
    for title, questions in ROUNDS:
        round_id = tx.value("insert_round", quiz_id=quiz_id, title=title)
        for question in questions:
            values = dict(options=[], correct_option=None, accepted=[], numeric_answer=None,
                          tolerance=0, time_limit=30, points=1)
            values.update(question)
            tx.run("insert_question", round_id=round_id, **values)
