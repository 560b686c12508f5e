"""What a picture or a sound may be: recognised by its first bytes (not by its name or the type a
browser claims), and how large each kind may be. Shared by uploads and quiz files."""

LIMITS = {"image": 2 * 1024 * 1024, "audio": 8 * 1024 * 1024}


def sniff(data):
    """(kind, content type) from the file's first bytes, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image", "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio", "audio/wav"
    if data.startswith(b"OggS"):
        return "audio", "audio/ogg"
    # An MP3 frame: 11 sync bits, an MPEG version that is not reserved, layer III. Sync bits
    # alone would also match the UTF-16 byte-order mark (FF FE) of a text or HTML file.
    if data.startswith(b"ID3") or (
        len(data) > 1
        and data[0] == 0xFF
        and data[1] & 0xE0 == 0xE0
        and data[1] & 0x18 != 0x08
        and data[1] & 0x06 == 0x02
    ):
        return "audio", "audio/mpeg"
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"mp4", b"iso"):
        return "audio", "audio/mp4"
    return None


def clean_filename(name):
    """A file's name as we keep and show it: printable characters, its last 120."""
    return "".join(c for c in name if c.isprintable())[-120:]
