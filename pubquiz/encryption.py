"""Encrypted backups: AES-256-GCM under a 32-byte key file, one megabyte at a time, so a dump of
any size streams through and is never held in memory.

Each chunk is sealed with its own nonce (the file's random prefix and the chunk's number) and says
in its associated data whether it is the last one: a chunk changed, dropped, moved or cut off the
end is found, as is a wrong key. A restore reads the whole file through decrypt() once before it
touches the database (backups.restore)."""

import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PUBQUIZ-BACKUP-AES256GCM-1\n"
KEY_BYTES = 32
CHUNK = 1024 * 1024
TAG_BYTES = 16
PREFIX_BYTES = 8
LENGTH = struct.Struct(">I")


class EncryptionError(Exception):
    """A key file or an encrypted backup that cannot be used; the message says why."""


def read_key(path):
    key = Path(path).read_bytes()
    if len(key) != KEY_BYTES:
        raise EncryptionError(
            f"The key file {path} holds {len(key)} bytes; a backup key is exactly {KEY_BYTES} random "
            f"bytes: (umask 077; openssl rand -out {path} {KEY_BYTES})"
        )
    return key


def is_encrypted(path):
    with open(path, "rb") as file:
        return file.read(len(MAGIC)) == MAGIC


def _associated(prefix, last):
    return MAGIC + prefix + (b"last" if last else b"more")


def _nonce(prefix, number):
    return prefix + struct.pack(">I", number)


def encrypt(source, target, key):
    """Reads the binary file object `source` to its end and writes it sealed to `target`."""
    aes = AESGCM(key)
    prefix = os.urandom(PREFIX_BYTES)
    target.write(MAGIC + prefix)
    chunk, number = source.read(CHUNK), 0
    while True:
        following = source.read(CHUNK)  # one ahead: the last chunk must know it is the last
        last = not following
        sealed = aes.encrypt(_nonce(prefix, number), chunk, _associated(prefix, last))
        target.write(LENGTH.pack(len(sealed)) + sealed)
        if last:
            return
        chunk, number = following, number + 1


def decrypt(source, key):
    """The plain chunks of the sealed file object `source`, each only once it is proven genuine."""
    aes = AESGCM(key)
    if source.read(len(MAGIC)) != MAGIC:
        raise EncryptionError("This file is not an encrypted pubquiz backup.")
    prefix = source.read(PREFIX_BYTES)
    number = 0
    while True:
        header = source.read(LENGTH.size)
        if len(header) < LENGTH.size:
            raise EncryptionError("The backup ends early: the file is incomplete.")
        (length,) = LENGTH.unpack(header)
        sealed = source.read(length)
        if length > CHUNK + TAG_BYTES or len(sealed) < length:
            raise EncryptionError("The backup is damaged or incomplete.")
        chunk, last = _open(aes, prefix, number, sealed)
        if last and source.read(1):
            raise EncryptionError("The backup has data after its end: the file was changed.")
        yield chunk
        if last:
            return
        number += 1


def _open(aes, prefix, number, sealed):
    """(plain chunk, whether it is the last); sealed as either, so no lookahead is needed."""
    nonce = _nonce(prefix, number)
    for last in (False, True):
        try:
            return aes.decrypt(nonce, sealed, _associated(prefix, last)), last
        except InvalidTag:
            pass
    if number == 0:
        raise EncryptionError("This key does not open the backup: a wrong key file, or the file was changed.")
    raise EncryptionError("The backup was changed: part of it does not decrypt.")
