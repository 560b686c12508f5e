"""The join line on the host console: the code and the address the host reads out or types in
are never broken mid-word, on a phone-sized console and on a laptop.

PUBQUIZ_SHOTS=<folder> also saves a screenshot of it at each size."""

import os
import pathlib

import pytest
from playwright.sync_api import expect

SIZES = ((390, 844), (1280, 720), (1920, 1080))

# Where the code and the join link wrap to a new line: inside the code never, inside the link only
# just after a "/" (between host and path, or between its parts), never inside a name or a number.
BROKEN = """() => {
  const broken = [];
  const top = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    return range.getBoundingClientRect().top;
  };
  for (const [selector, breakable] of [[".join-info .code", ""], [".join-info .join-link", "/"]]) {
    const node = document.querySelector(selector).firstChild, text = node.data;
    for (let i = 1; i < text.length; i++)
      if (text[i].trim() && text[i - 1].trim() && top(node, i) > top(node, i - 1) + 1
          && !breakable.includes(text[i - 1]))
        broken.push(`${text.slice(0, i)} / ${text.slice(i)}`);
  }
  return broken;
}"""


@pytest.mark.parametrize("width, height", SIZES)
def test_the_join_address_and_code_are_never_broken_mid_word(people, width, height):
    host, code = people.true_or_false_game("joinline@example.org", ["Quiz night is on Friday."], True)
    host.set_viewport_size({"width": width, "height": height})
    expect(host.locator(".join-info .code")).to_have_text(code)
    if os.environ.get("PUBQUIZ_SHOTS"):
        folder = pathlib.Path(os.environ["PUBQUIZ_SHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        host.screenshot(path=str(folder / f"console-join-{width}x{height}.png"))
    assert host.evaluate(BROKEN) == [], f"at {width}x{height}"
