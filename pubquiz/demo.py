"""A demo host and a classic six-round pub quiz (a picture round, a music round, a free-text
round for a marker, joker rounds, negative marking) so a fresh install can run a night at once.
Its pictures and sounds are drawn here, so the demo needs no files and no internet."""

import io
import math
import secrets
import struct
import wave
import zlib
from pathlib import Path

from werkzeug.security import check_password_hash

from . import accounts, db, media

DEMO_EMAIL = "demo@pubquiz.local"
DEMO_TITLE = "Classic pub quiz"


def flag_png(stripes, vertical=True, width=300, height=200):
    """A PNG of a flag of equal stripes, e.g. France: blue, white, red."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            index = (x if vertical else y) * len(stripes) // (width if vertical else height)
            row += bytes(stripes[index])
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def beeps_wav(count, frequency=660, rate=16000):
    """A WAV of `count` short beeps."""
    frames = bytearray()
    for _ in range(count):
        for i in range(int(rate * 0.25)):
            frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
        frames += b"\x00\x00" * int(rate * 0.25)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return out.getvalue()


BLUE, WHITE, RED, GREEN, BLACK, GOLD, YELLOW = (
    (0, 85, 164),
    (255, 255, 255),
    (239, 65, 53),
    (0, 146, 70),
    (0, 0, 0),
    (255, 206, 0),
    (254, 221, 0),
)


def _choice(prompt, options, correct, **extra):
    return dict(kind="choice", prompt=prompt, options=options, correct_option=correct, **extra)


def _text(prompt, accepted, **extra):
    return dict(kind="text", prompt=prompt, accepted=accepted, **extra)


def _number(prompt, answer, tolerance=0, **extra):
    return dict(kind="numeric", prompt=prompt, numeric_answer=answer, tolerance=tolerance, **extra)


def _true_false(prompt, truth, **extra):
    return dict(
        kind="truefalse", prompt=prompt, options=["True", "False"], correct_option=0 if truth else 1, **extra
    )


# (title, joker round, negative marking, questions)
ROUNDS = [
    (
        "General knowledge",
        False,
        False,
        [
            _choice(
                "Which planet is known as the Red Planet?",
                ["Venus", "Mars", "Jupiter", "Mercury"],
                1,
                time_limit=20,
            ),
            _true_false(
                "The Great Wall of China is visible from the Moon with the naked eye.", False, time_limit=15
            ),
            _choice(
                "How many players does a rugby union team have on the field?",
                ["11", "13", "15", "18"],
                2,
                time_limit=20,
            ),
        ],
    ),
    (
        "Picture round: flags",
        True,
        False,
        [
            _choice(
                "Whose flag is this?",
                ["Ireland", "France", "Italy", "Romania"],
                1,
                time_limit=20,
                image=flag_png([BLUE, WHITE, RED]),
                image_on_phones=True,
            ),
            _choice(
                "Whose flag is this?",
                ["Mexico", "Ireland", "Italy", "Hungary"],
                2,
                time_limit=20,
                image=flag_png([GREEN, WHITE, RED]),
                image_on_phones=True,
            ),
            _text(
                "Whose flag is this?",
                ["Germany", "Deutschland"],
                time_limit=30,
                image=flag_png([BLACK, RED, GOLD], vertical=False),
            ),
        ],
    ),
    (
        "Music round",
        True,
        False,
        [
            _number("How many beeps do you hear?", 3, time_limit=25, audio=beeps_wav(3)),
            _number("And now: how many beeps?", 5, time_limit=25, audio=beeps_wav(5, frequency=440)),
        ],
    ),
    (
        "Free text: the marker's round",
        False,
        False,
        [
            _text(
                "Who composed the “Moonlight” Sonata?", ["Beethoven", "Ludwig van Beethoven"], time_limit=30
            ),
            _text(
                "Name the Shakespeare play with the line “To be, or not to be”.", ["Hamlet"], time_limit=30
            ),
            _text("What is the chemical symbol for gold?", ["Au"], time_limit=20),
        ],
    ),
    (
        "True or false: wrong answers lose a point",
        False,
        True,
        [
            _true_false("Bananas are berries.", True, time_limit=15),
            _true_false("Lightning never strikes the same place twice.", False, time_limit=15),
            _true_false("Octopuses have three hearts.", True, time_limit=15),
        ],
    ),
    (
        "Numbers: closest wins",
        True,
        False,
        [
            _number("In what year did the first person walk on the Moon?", 1969, time_limit=20),
            _number("How many bones are in the adult human body?", 206, tolerance=5, time_limit=25, points=2),
            _number(
                "How tall is the Eiffel Tower, in metres (to the tip)?",
                330,
                tolerance=10,
                time_limit=25,
                points=2,
            ),
        ],
    ),
]


def seed(instance_dir):
    """Create the demo account and quiz where missing; returns (email, password). The password is
    kept in the instance folder and reused while it still opens the account: `make run` every
    night must not log the quiz master out of a browser that saved the login."""
    saved = Path(instance_dir) / "demo_password"
    password = saved.read_text().strip() if saved.exists() else ""
    with db.transaction() as tx:
        host = tx.one("host_by_email", email=DEMO_EMAIL)
        if host is None:
            password = password or secrets.token_urlsafe(9)
            host_id = tx.value(
                "insert_host", email=DEMO_EMAIL, password_hash=accounts.hash_password(password)
            )
        else:
            host_id = host["id"]
            if not (password and check_password_hash(host["password_hash"], password)):
                password = secrets.token_urlsafe(9)
                tx.run("set_password", id=host_id, password_hash=accounts.hash_password(password))
        if not any(q["title"] == DEMO_TITLE for q in tx.all("quizzes_of_host", host_id=host_id)):
            _add_quiz(tx, host_id)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(password)
    saved.chmod(0o600)
    return DEMO_EMAIL, password


def _add_quiz(tx, host_id):
    quiz_id = tx.value("insert_quiz", host_id=host_id, title=DEMO_TITLE)
    tx.run(
        "update_quiz",
        id=quiz_id,
        title=DEMO_TITLE,
        speed_bonus=False,
        leaderboard_mode="round",
        leaderboard_top=10,
    )
    for title, joker, negative, questions in ROUNDS:
        round_id = tx.value("insert_round", quiz_id=quiz_id, title=title)
        tx.run("update_round", id=round_id, title=title, joker_eligible=joker, negative_marking=negative)
        for question in questions:
            values = dict(
                options=[],
                correct_option=None,
                accepted=[],
                numeric_answer=None,
                tolerance=0,
                time_limit=30,
                points=1,
                image_on_phones=False,
                category=None,
                difficulty=None,
            )
            values.update(question)
            image, audio = values.pop("image", None), values.pop("audio", None)
            question_id = tx.value("insert_question", round_id=round_id, **values)
            if image:
                tx.run(
                    "set_question_image",
                    id=question_id,
                    media_id=media.store(tx, host_id, "image", "image/png", "flag.png", image),
                )
            if audio:
                tx.run(
                    "set_question_audio",
                    id=question_id,
                    media_id=media.store(tx, host_id, "audio", "audio/wav", "beeps.wav", audio),
                )
