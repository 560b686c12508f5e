"""Nights in other months, for the answer-partition tests: a short night played through the app,
then moved (its game and its answers) into the month it should have been played in."""

import datetime

from helpers import CHOICE, NUMERIC
from night import play, query

from pubquiz import db


def play_night(host, new_team, names=("Bears", "Wolves")):
    """An ended two-question night; (code, game id)."""
    quiz_id = host.create_quiz("Old night", [CHOICE, NUMERIC])
    code = host.start_game(quiz_id)
    phones = []
    for name in names:
        phone = new_team()
        assert phone.join(code, name).status_code == 303
        phones.append(phone)
    host.act(code, "start")
    play(host, code, {phones[0]: {"choice": "1"}, phones[-1]: {"choice": "0"}})
    play(host, code, {phone: {"number": "1969"} for phone in phones})
    assert host.act(code, "end", confirm=True).status_code == 303
    app = host.client.application
    return code, query(app, "select id from game where code = %s", code)[0]["id"]


def months_ago(months, day=15):
    """A moment in the middle of the UTC month `months` before this one."""
    today = datetime.datetime.now(datetime.UTC)
    index = today.year * 12 + today.month - 1 - months
    return datetime.datetime(index // 12, index % 12 + 1, day, 20, 0, tzinfo=datetime.UTC)


def move_to(app, game_id, created_at, partition=True):
    """As if the game had been created then: its answers follow it into that month's partition
    (created first unless partition=False: then they go to the default partition)."""
    with app.app_context(), db.transaction() as tx:
        if partition:
            tx.conn.execute("select create_answer_partition(%s::date)", (created_at,))
        tx.conn.execute("update game set created_at = %s where id = %s", (created_at, game_id))
        tx.conn.execute("update answer set game_created_at = %s where game_id = %s", (created_at, game_id))


def partition_of_answers(app, game_id):
    """The partitions holding the game's answers."""
    rows = query(
        app, "select distinct tableoid::regclass::text as name from answer where game_id = %s", game_id
    )
    return {row["name"] for row in rows}
