"""The encryption of backups (pubquiz/encryption.py): what goes in comes out, chunk by chunk, and
any change to the sealed file (a byte, a chunk dropped or moved, the end cut off, data added, a
wrong key) is refused rather than decrypted."""

import io
import os

import pytest

from pubquiz import encryption
from pubquiz.encryption import EncryptionError

KEY = bytes(range(32))
CHUNK = 64  # small chunks, so a few hundred bytes are several of them


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(encryption, "CHUNK", CHUNK)


def sealed(data, key=KEY):
    out = io.BytesIO()
    encryption.encrypt(io.BytesIO(data), out, key)
    return out.getvalue()


def opened(blob, key=KEY):
    return b"".join(encryption.decrypt(io.BytesIO(blob), key))


def chunks(blob):
    """The sealed file cut into its header and its [length + sealed chunk] records."""
    header = len(encryption.MAGIC) + encryption.PREFIX_BYTES
    records, at = [], header
    while at < len(blob):
        length = int.from_bytes(blob[at : at + 4], "big")
        records.append(blob[at : at + 4 + length])
        at += 4 + length
    return blob[:header], records


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7])
def test_what_is_sealed_opens_the_same(size):
    data = os.urandom(size)
    blob = sealed(data)
    assert blob.startswith(encryption.MAGIC)
    assert size < 16 or data[:16] not in blob  # no plain text shows through
    assert opened(blob) == data


def test_the_same_data_seals_differently_each_time():
    data = b"the same night twice" * 10
    assert sealed(data) != sealed(data)


def test_a_wrong_key_is_refused_at_the_first_chunk():
    with pytest.raises(EncryptionError, match="This key does not open the backup"):
        opened(sealed(b"x" * 300), key=bytes(32))


def test_every_change_to_the_file_is_refused():
    header, records = chunks(sealed(os.urandom(4 * CHUNK + 10)))
    assert len(records) == 5
    whole = header + b"".join(records)
    flipped = bytearray(whole)
    flipped[len(header) + len(records[0]) + 10] ^= 1
    changes = {
        "a byte changed": bytes(flipped),
        "a chunk dropped": header + b"".join(records[:2] + records[3:]),
        "two chunks swapped": header + b"".join([records[1], records[0], *records[2:]]),
        "the last chunk cut off": header + b"".join(records[:-1]),
        "cut inside a chunk": whole[:-5],
        "data added after the end": whole + records[0],
        "the last chunk repeated": whole + records[-1],
    }
    for change, blob in changes.items():
        with pytest.raises(EncryptionError):
            opened(blob)
            pytest.fail(f"{change}: decrypted")


def test_a_key_file_must_hold_exactly_32_bytes(tmp_path):
    path = tmp_path / "backup.key"
    path.write_bytes(os.urandom(32))
    assert encryption.read_key(path) == path.read_bytes()
    path.write_text(os.urandom(32).hex())
    with pytest.raises(EncryptionError, match="holds 64 bytes; a backup key is exactly 32 random bytes"):
        encryption.read_key(path)
