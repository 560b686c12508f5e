"""One description of a quiz (its rounds, their questions, the quiz's settings) and the form posts
the editor takes to build it. Each kind of person sends those posts its own way (Flask's test
client, aiohttp, a Playwright page): build() and build_async() take that transport as `send`."""

import re
from dataclasses import dataclass, field


@dataclass
class Round:
    """title None leaves the round as the editor names it (joker and negative need a title);
    questions: the question form's fields of each (kind, prompt, ...), in play order."""

    title: str | None = None
    questions: list = field(default_factory=list)
    joker: bool = False
    negative: bool = False


@dataclass
class Quiz:
    """rounds: Round, in play order (none: the one empty round a new quiz has); settings: the quiz
    form's fields besides the title (scoring, leaderboard_mode, ...), None to keep the defaults."""

    title: str
    rounds: list = field(default_factory=list)
    settings: dict | None = None


@dataclass
class Request:
    path: str
    fields: dict | None = (
        None  # None: a GET, else a form POST of these fields (the CSRF token is the sender's)
    )


@dataclass
class Reply:
    status: int
    location: str
    text: str


@dataclass
class Built:
    """The ids the editor gave, in play order."""

    quiz_id: int
    round_ids: list
    question_ids: list  # [[question ids] per round]


# The questions the tests play, as the question form's fields; a test overrides what it is about.
RED_PLANET = {
    "kind": "choice",
    "prompt": "Which planet is red?",
    "option_0": "Venus",
    "option_1": "Mars",
    "option_2": "Jupiter",
    "correct_option": "1",
    "time_limit": "300",
    "points": "1",
}
MOONLIGHT = {
    "kind": "text",
    "prompt": "Who composed the Moonlight Sonata?",
    "accepted": "Beethoven",
    "time_limit": "300",
    "points": "1",
}


def planet_question(number, time_limit=600):
    """The question form's fields of a multiple-choice question (Mars is right), numbered."""
    return dict(
        RED_PLANET,
        prompt=f"Benchmark question {number}: which planet is red?",
        option_3="Saturn",
        time_limit=str(time_limit),
    )


def build(quiz, send):
    """Builds `quiz` with send(Request) -> Reply; returns Built."""
    plan = steps(quiz)
    request = next(plan)
    while True:
        try:
            request = plan.send(send(request))
        except StopIteration as done:
            return done.value


async def build_async(quiz, send):
    """build() with a coroutine `send`."""
    plan = steps(quiz)
    request = next(plan)
    while True:
        try:
            request = plan.send(await send(request))
        except StopIteration as done:
            return done.value


def steps(quiz):
    """The editor's requests that build `quiz`, one at a time: a generator that yields each
    Request, is sent its Reply, and returns Built."""
    created = yield Request("/quizzes", {"title": quiz.title})
    _assert_saved(created)
    quiz_id = int(created.location.rstrip("/").rsplit("/", 1)[1])
    if quiz.settings is not None:
        _assert_saved((yield Request(f"/quizzes/{quiz_id}", {"title": quiz.title, **quiz.settings})))
    for extra in quiz.rounds[1:]:  # a new quiz has its first round already
        _assert_saved((yield Request(f"/quizzes/{quiz_id}/rounds", {"round_title": extra.title})))
    round_ids = list(_questions_by_round((yield Request(f"/quizzes/{quiz_id}")).text))
    assert len(round_ids) == max(1, len(quiz.rounds)), round_ids
    for round_id, round_ in zip(round_ids, quiz.rounds, strict=True):
        if round_.title is not None:
            _assert_saved((yield Request(f"/rounds/{round_id}", _round_fields(round_))))
        for question in round_.questions:
            _assert_saved((yield Request(f"/rounds/{round_id}/questions", question)))
    questions = _questions_by_round((yield Request(f"/quizzes/{quiz_id}")).text)
    return Built(quiz_id, round_ids, [questions[round_id] for round_id in round_ids])


def _round_fields(round_):
    fields = {"title": round_.title}
    if round_.joker:
        fields["joker_eligible"] = "on"
    if round_.negative:
        fields["negative_marking"] = "on"
    return fields


def _assert_saved(reply):
    """The editor redirects (303) once a form is saved; otherwise it shows the form's errors."""
    assert reply.status == 303, (reply.status, reply.text[:300])


def _questions_by_round(editor_page):
    """{round id: [question ids]} as the editor lists them, in order."""
    parts = re.split(r'id="round-(\d+)"', editor_page)
    return {
        int(round_id): [int(q) for q in re.findall(r'href="/questions/(\d+)"', section)]
        for round_id, section in zip(parts[1::2], parts[2::2], strict=True)
    }
