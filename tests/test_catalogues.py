"""Every string a person reads is in every catalogue: extracted from the templates and the Python
as `make translations` extracts it (babel.cfg), each must have a non-empty translation in German,
Dutch and French, every plural form filled in, and the same placeholders as the English."""

import gettext
import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from pubquiz import i18n

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}  # as `make translations` extracts


def _extracted():
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault((context, message), filename)
    return found


EXTRACTED = _extracted()


def test_the_extraction_finds_the_strings_of_the_templates_and_the_python():
    singulars = {m if isinstance(m, str) else m[0] for _context, m in EXTRACTED}
    assert "You're in!" in singulars  # templates/play/_stage.html
    assert "Too late: answers for this question have closed." in singulars  # pubquiz/play.py
    assert "Lobby: waiting for teams" in singulars  # pubquiz/rules.py, marked N_
    assert len(singulars) > 250


@pytest.mark.parametrize("language", sorted(set(i18n.LANGUAGES) - {i18n.DEFAULT}))
def test_every_string_is_translated_with_its_plural_forms(language):
    with (ROOT / f"pubquiz/translations/{language}/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    problems = []
    for (context, message_id), filename in EXTRACTED.items():
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = catalogue.get(key, context=context)
        if entry is None or entry.fuzzy:
            problems.append(f"{filename}: {key!r} is not in the {language} catalogue")
            continue
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = catalogue.num_plurals if isinstance(message_id, tuple) else 1
        if len(translations) != wanted or not all(translations):
            problems.append(f"{filename}: {key!r} lacks a translation (or a plural form) in {language}")
        english = set(PLACEHOLDER.findall(" ".join(message_id if isinstance(message_id, tuple) else [key])))
        for translation in translations:
            if not set(PLACEHOLDER.findall(translation)) <= english:
                problems.append(f"{filename}: {key!r} in {language} names a placeholder the English lacks")
    assert not problems, "\n".join(problems)


def test_a_catalogue_is_compiled_when_its_mo_is_missing_or_older_than_its_po(tmp_path):
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    shutil.copy(ROOT / "pubquiz/translations/de/LC_MESSAGES/messages.po", po)
    i18n.compile_catalogues(tmp_path)
    mo = folder / "messages.mo"
    assert gettext.translation("messages", tmp_path, ["de"]).gettext("You're in!") == "Ihr seid dabei!"
    os.utime(mo, (1, 1))  # a .mo from before the .po changed
    i18n.compile_catalogues(tmp_path)
    assert mo.stat().st_mtime > po.stat().st_mtime - 1
    compiled = mo.stat().st_mtime
    i18n.compile_catalogues(tmp_path)  # up to date: left alone
    assert mo.stat().st_mtime == compiled
