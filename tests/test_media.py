"""Pictures and sounds for questions: uploads checked by their bytes, stored in PostgreSQL, served
under an unguessable, cacheable address, and shown on the projector (and phones if asked)."""

import io
import re
import secrets
import struct
import wave
import zlib
from hashlib import sha256

import psycopg
import pytest
from helpers import CHOICE, HostActions
from night import query, text, visible

from pubquiz import db

NOT_MEDIA = "That file is not a picture (PNG, JPEG, GIF, WebP) or a sound (MP3, OGG, WAV, M4A)."


def png(width=2, height=2, extra=b""):
    """A real PNG: signature, IHDR, IDAT (zlib-compressed scanlines), IEND; `extra` goes into
    an ancillary chunk (to make it big without making it invalid)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))  # red, filter 0
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
    if extra:
        body += chunk(b"tEXt", b"Comment\x00" + extra)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def wav(seconds=0.1, rate=8000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        period = b"".join(struct.pack("<h", i * 800 - 16000) for i in range(40))  # a 200 Hz saw tooth
        frames = int(seconds * rate)
        out.writeframes((period * (frames // 40 + 1))[: frames * 2])
    return buffer.getvalue()


GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def question(app, host):
    """(quiz id, question id) of a choice question of the host's quiz."""
    quiz_id = host.create_quiz(questions=[CHOICE])
    qid = query(
        app, "select x.id from question x join round r on r.id = x.round_id where r.quiz_id = %s", quiz_id
    )[0]["id"]
    return quiz_id, qid


def upload(browser, qid, data, filename, content_type=None):
    file = (io.BytesIO(data), filename, content_type) if content_type else (io.BytesIO(data), filename)
    return browser.post(f"/questions/{qid}/media", {"file": file})


def _media_url(page, tag):
    match = re.search(r'<%s[^>]*src="(/media/(\d+)/([0-9a-f]+))"' % tag, page)
    return match and match.group(1)


def _attached(app, qid):
    return query(app, "select image_id, audio_id from question where id = %s", qid)[0]


@pytest.mark.parametrize(
    "data, filename, content_type, kind, served_as",
    [
        (png(), "red.png", None, "image", "image/png"),
        (png(), "photo.jpg", "image/jpeg", "image", "image/png"),  # the bytes decide, not the name
        (GIF, "tiny.gif", None, "image", "image/gif"),
        (wav(), "clip.wav", "audio/x-wav", "audio", "audio/wav"),
    ],
    ids=["png", "png-named-jpg", "gif", "wav"],
)
def test_an_upload_is_attached_and_served_with_cache_headers(
    app, host, client, question, data, filename, content_type, kind, served_as
):
    _, qid = question
    response = upload(host, qid, data, filename, content_type)
    assert response.status_code == 303 and response.headers["Location"] == f"/questions/{qid}"
    page = host.get(f"/questions/{qid}").get_data(as_text=True)
    label = "Picture" if kind == "image" else "Sound"
    assert f"{label} “{filename}” added." in visible(page)
    url = _media_url(page, "img" if kind == "image" else "audio")
    assert url and sha256(data).hexdigest() not in url
    attached = _attached(app, qid)
    assert attached[f"{kind}_id"] == int(url.split("/")[2])
    assert attached["audio_id" if kind == "image" else "image_id"] is None
    stored = query(app, "select kind, content_type, filename, size from media")
    assert stored == [{"kind": kind, "content_type": served_as, "filename": filename, "size": len(data)}]

    served = client.get(url)  # anyone with the address: the projector is not logged in
    assert served.status_code == 200
    assert served.data == data
    assert served.headers["Content-Type"] == served_as
    assert served.headers["ETag"] == '"%s"' % sha256(data).hexdigest()
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        b"just some text, honestly a picture",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        "<html>hi</html>".encode("utf-16"),  # a byte-order mark first
        b"",
    ],
    ids=["html", "text", "svg", "utf16-html", "empty"],
)
def test_a_file_that_is_not_a_picture_or_a_sound_is_refused(app, host, question, data):
    _, qid = question
    response = upload(host, qid, data, "picture.png", "image/png")
    assert response.status_code == 303
    page = text(host.get(f"/questions/{qid}"))
    assert NOT_MEDIA in page or "Choose a picture or a sound file to upload." in page
    assert query(app, "select count(*) as n from media") == [{"n": 0}]
    assert _attached(app, qid) == {"image_id": None, "audio_id": None}


def test_an_html_file_named_like_a_picture_gets_the_clear_message(app, host, question):
    _, qid = question
    upload(host, qid, b"<html><body>not a picture</body></html>", "picture.png", "image/png")
    assert NOT_MEDIA in text(host.get(f"/questions/{qid}"))


def test_an_image_over_2_mb_is_refused(app, host, question):
    _, qid = question
    big = png(extra=b"x" * (2 * 1024 * 1024))
    response = upload(host, qid, big, "huge.png")
    assert response.status_code == 303, text(response)
    assert "That image is too large: at most 2 MB." in text(host.get(f"/questions/{qid}"))
    assert query(app, "select count(*) as n from media") == [{"n": 0}]


def test_a_picture_just_under_2_mb_is_accepted(app, host, question):
    _, qid = question
    data = png(extra=b"x" * (2 * 1024 * 1024 - 200))
    assert len(data) < 2 * 1024 * 1024
    response = upload(host, qid, data, "big.png")
    assert response.status_code == 303, text(response)
    assert "Picture “big.png” added." in text(host.get(f"/questions/{qid}"))
    assert query(app, "select size from media") == [{"size": len(data)}]


def test_a_wrong_address_is_a_404(app, host, client, question):
    _, qid = question
    data = png()
    upload(host, qid, data, "red.png")
    (media,) = query(app, "select id, secret from media")
    media_id, secret = media["id"], media["secret"]
    assert client.get(f"/media/{media_id}/{secret}").status_code == 200
    assert client.get(f"/media/{media_id}/{secret[:-1]}").status_code == 404
    assert client.get(f"/media/{media_id + 1}/{secret}").status_code == 404
    assert client.get(f"/media/{media_id}/%C3%A9{secret}").status_code == 404


def test_the_address_cannot_be_made_from_the_id_and_the_bytes(app, host, client, question):
    """Anyone holding the same picture knows its sha256, and ids count up: neither opens it."""
    _, qid = question
    data = png()
    upload(host, qid, data, "red.png")
    upload(host, qid, data, "red-again.png")  # the same bytes get an address of their own
    rows = query(app, "select id, secret from media order by id")
    url = _media_url(host.get(f"/questions/{qid}").get_data(as_text=True), "img")
    assert url == "/media/%d/%s" % (rows[1]["id"], rows[1]["secret"])
    assert rows[0]["secret"] != rows[1]["secret"] and len(rows[1]["secret"]) >= 32
    digest = sha256(data).hexdigest()
    for row in rows:
        assert client.get(f"/media/{row['id']}/{digest}").status_code == 404
        assert client.get(f"/media/{row['id']}/{row['id']}").status_code == 404


def test_another_host_cannot_upload_to_your_question(app, host, question):
    _, qid = question
    other = HostActions(app)
    other.register("other@example.org")
    assert upload(other, qid, png(), "mine.png").status_code == 404
    assert other.post(f"/questions/{qid}/media/remove", {"kind": "image"}).status_code == 404
    assert query(app, "select count(*) as n from media") == [{"n": 0}]
    assert _attached(app, qid) == {"image_id": None, "audio_id": None}


def test_removing_the_picture(app, host, question):
    _, qid = question
    upload(host, qid, png(), "red.png")
    assert _attached(app, qid)["image_id"] is not None
    host.post(f"/questions/{qid}/media/remove", {"kind": "image"})
    assert _attached(app, qid)["image_id"] is None
    assert _media_url(host.get(f"/questions/{qid}").get_data(as_text=True), "img") is None


def test_files_uploaded_before_the_random_part_get_one_each(database_url):
    """Migration 0006 on a database whose media rows have only id and sha256 addresses."""
    name = "pubquiz_migrate_" + secrets.token_hex(4)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    url = psycopg.conninfo.make_conninfo(database_url, dbname=name)
    try:
        db.migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("alter table media drop column secret")
            conn.execute("delete from schema_migration where name = '0006_media_secret.sql'")
            host_id = conn.execute(
                "insert into host (email, password_hash) values ('old@example.org', 'x') returning id"
            ).fetchone()[0]
            for _ in range(2):
                conn.execute(
                    "insert into media (host_id, kind, content_type, filename, size, sha256, bytes) "
                    "values (%s, 'image', 'image/png', 'old.png', 3, 'abc', 'abc')",
                    (host_id,),
                )
        assert db.migrate(url) == ["0006_media_secret.sql"]
        with psycopg.connect(url) as conn:
            secrets_ = [row[0] for row in conn.execute("select secret from media")]
        assert len(set(secrets_)) == 2 and all(re.fullmatch("[0-9a-f]{32}", s) for s in secrets_)
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f"drop database if exists {name} with (force)")


@pytest.mark.parametrize("on_phones", [False, True])
def test_the_picture_on_the_projector_and_on_phones_if_asked(app, host, new_team, question, on_phones):
    quiz_id, qid = question
    if on_phones:
        fields = dict(CHOICE, image_on_phones="on")
        assert host.post(f"/questions/{qid}", fields).status_code == 303
    upload(host, qid, png(), "red.png")
    url = "/media/%(id)d/%(secret)s" % query(app, "select id, secret from media")[0]
    code = host.start_game(quiz_id)
    team = new_team()
    team.join(code, "Bears")
    host.act(code, "start")
    assert url not in host.get(f"/screen/{code}").get_data(as_text=True)  # not before the question
    host.act(code, "open_question")
    screen = host.get(f"/screen/{code}").get_data(as_text=True)
    assert _media_url(screen, "img") == url
    phone = team.get(f"/play/{code}").get_data(as_text=True)
    assert "Which planet is red?" in phone
    assert (_media_url(phone, "img") == url) is on_phones
    assert (url in phone) is on_phones


def test_a_sound_may_be_bigger_than_a_picture_but_not_over_8_mb(app, host, question):
    _, qid = question
    three_mb = wav(seconds=3 * 1024 * 1024 / 16000)
    assert 3 * 1024 * 1024 <= len(three_mb) < 8 * 1024 * 1024
    upload(host, qid, three_mb, "anthem.wav")
    assert "Sound “anthem.wav” added." in text(host.get(f"/questions/{qid}"))
    assert query(app, "select kind, size from media") == [{"kind": "audio", "size": len(three_mb)}]
    too_long = wav(seconds=8 * 1024 * 1024 / 16000 + 1)
    assert len(too_long) > 8 * 1024 * 1024
    upload(host, qid, too_long, "opera.wav")
    assert "That audio is too large: at most 8 MB." in text(host.get(f"/questions/{qid}"))
    assert query(app, "select count(*) as n from media") == [{"n": 1}]


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"\xff\xfb\x90\x64" + b"\x00" * 12, ("audio", "audio/mpeg")),  # MPEG-1 layer III frame
        (b"\xff\xf3\x48\xc4" + b"\x00" * 12, ("audio", "audio/mpeg")),  # MPEG-2 layer III frame
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 6, ("audio", "audio/mpeg")),
        (b"OggS\x00\x02" + b"\x00" * 10, ("audio", "audio/ogg")),
        (b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 4, ("audio", "audio/mp4")),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image", "image/webp")),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 5, ("image", "image/jpeg")),
        ("<p>hi</p>".encode("utf-16-le"), None),
        ("\ufeff<p>hi</p>".encode("utf-16-le"), None),  # a UTF-16 byte-order mark: FF FE
        (b"\xff\xe8<\x00", None),  # sync bits but a reserved layer
        (b"RIFF\x00\x00\x00\x00AVI LIST", None),
        (b"%PDF-1.7\n", None),
    ],
    ids=[
        "mp3-frame",
        "mp3-mpeg2",
        "id3",
        "ogg",
        "m4a",
        "webp",
        "jpeg",
        "utf16-text",
        "utf16-bom",
        "reserved-layer",
        "avi",
        "pdf",
    ],
)
def test_sniffing_by_the_first_bytes(head, expected):
    from pubquiz.mediafiles import sniff

    assert sniff(head[:16]) == expected
