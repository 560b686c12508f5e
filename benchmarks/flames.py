"""Flame graphs as SVG from collapsed stacks ("root;...;leaf count", what benchmarks/sampler.py
writes per worker and window), with no tool from outside: `python -m benchmarks.flames OUT.svg
TITLE FILE...` draws the stacks of those files, summed.

Each frame is a box as wide as its share of the busy samples (the gevent hub's idle waits are left
out, as in sampler.summarize), its callers below it; hover a box for its function and share.
Colours say whose code it is: pubquiz, Jinja, psycopg, Redis, gevent and sockets, the rest.
"""

import collections
import html
import sys

from .sampler import IDLE_LEAVES

WIDTH = 1400
ROW = 17
FONT = 11
COLOURS = (
    ("pubquiz/", "#e8a33d"),
    ("templates/", "#e8a33d"),
    ("jinja2/", "#d65f5f"),
    ("markupsafe/", "#d65f5f"),
    ("psycopg", "#5f8fd6"),
    ("redis/", "#8e6fd6"),
    ("gevent/", "#7aa874"),
    ("socket", "#7aa874"),
    ("flask/", "#c9c15a"),
    ("werkzeug/", "#c9c15a"),
    ("flask_limiter/", "#c9c15a"),
)


def read(paths):
    stacks = collections.Counter()
    for path in paths:
        with open(path) as f:
            for line in f:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if stack and not stack.split(";")[-1].endswith(IDLE_LEAVES):
                    stacks[stack] += int(count)
    return stacks


def _tree(stacks):
    """{name: [count, children]} nested: each stack adds its count along its path."""
    root = [0, {}]
    for stack, count in stacks.items():
        node = root
        node[0] += count
        for frame in stack.split(";"):
            node = node[1].setdefault(frame, [0, {}])
            node[0] += count
    return root


def _colour(name):
    return next((colour for marker, colour in COLOURS if marker in name), "#b0b0b0")


def svg(stacks, title):
    root = _tree(stacks)
    total = root[0] or 1
    boxes = []
    depth_reached = [0]

    def place(children, x, depth):
        # Widest first, so the same profile always draws the same picture.
        for name, (count, grandchildren) in sorted(children.items(), key=lambda item: (-item[1][0], item[0])):
            width = WIDTH * count / total
            if width >= 0.5:
                boxes.append((x, depth, width, name, count))
                depth_reached[0] = max(depth_reached[0], depth)
                place(grandchildren, x, depth + 1)
            x += width

    place(root[1], 0.0, 0)
    height = (depth_reached[0] + 1) * ROW + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="{FONT}">',
        f'<text x="4" y="16" font-size="14">{html.escape(title)} ({total} busy samples)</text>',
    ]
    for x, depth, width, name, count in boxes:
        y = height - (depth + 1) * ROW
        share = 100.0 * count / total
        label = html.escape(f"{name} ({share:.1f} %)")
        out.append(
            f'<g><title>{label}</title><rect x="{x:.1f}" y="{y}" width="{max(width - 0.5, 0.5):.1f}" '
            f'height="{ROW - 1}" fill="{_colour(name)}"/>'
        )
        fits = int(width / (FONT * 0.62))
        if fits >= 4:
            text = name if len(name) <= fits else name[: fits - 1] + "…"
            out.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 5}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    target, heading, *files = sys.argv[1:]
    with open(target, "w") as f:
        f.write(svg(read(files), heading))
