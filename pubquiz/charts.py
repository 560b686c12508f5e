"""Charts drawn on the server as SVG: horizontal bars (one per question or team), columns (one
per day) and a histogram (answer times). Numbers in, markup out; free of Flask and SQL. Every
label is user input (a question's prompt, a team's name) and is escaped here. The page puts a
table with the same numbers beside each chart, for screen readers and printing.

The drawing is 370 units wide and the page scales it to its column (CSS: width 100%, at most
30rem): text of 18 units is about 14 px on a 390 px phone and 27 px on a laptop."""

from typing import NamedTuple

from markupsafe import Markup, escape

WIDTH = 370
FONT = 18
BAR = 22  # thickness of a bar
ROW = FONT + BAR + 20  # a bar's label line, the bar, the gap to the next
VALUE_ROOM = 70  # right of the longest bar: room for its value ("100 %")
LABEL_CHARS = 34  # a longer label is cut (with …); the full text is in its <title> and the table
PLOT = 150  # columns: height of the tallest


class Bar(NamedTuple):
    label: str
    value: float
    shown: str  # the value as the chart prints it: "33 %", "12 points"


class Bin(NamedTuple):
    start: float
    end: float
    count: int


def _cut(label):
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _svg(chart_id, title, height, body):
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{body}</svg>'
    )


def bars(chart_id, title, rows, maximum=None):
    """A bar per row, top to bottom, each as long as its value over `maximum` (default: the
    largest value); its label above it and its shown value after it."""
    top = maximum if maximum is not None else max((r.value for r in rows), default=0)
    span = WIDTH - VALUE_ROOM
    parts = []
    for i, row in enumerate(rows):
        y = i * ROW
        length = round(span * row.value / top, 1) if top else 0
        parts.append(
            f'<g class="chart-row"><title>{escape(row.label)}: {escape(row.shown)}</title>'
            f'<text class="chart-label" x="0" y="{y + FONT}" font-size="{FONT}">'
            f"{escape(_cut(row.label))}</text>"
            f'<rect class="chart-bar" x="0" y="{y + FONT + 6}" width="{length}" height="{BAR}" '
            f'data-value="{row.value}"/>'
            f'<text class="chart-value" x="{length + 8}" y="{y + FONT + 6 + BAR - 5}" font-size="{FONT}">'
            f"{escape(row.shown)}</text></g>"
        )
    return _svg(chart_id, title, max(ROW * len(rows), ROW), "".join(parts))


def histogram(chart_id, title, bins, unit, span="%(start)s to %(end)s"):
    """A column per bin, each as tall as its count over the largest, the bins' edges along the
    bottom, followed by `unit` ("seconds"); `span` says a bin's edges in the page's language."""
    bars = [
        Bar(f"{span % {'start': _edge(b.start), 'end': _edge(b.end)}} {unit}", b.count, str(b.count))
        for b in bins
    ]
    # Every other edge when there are many bins: numbers must not run into each other.
    step = 1 if len(bins) <= 8 else 2
    edges = [b.start for b in bins] + [bins[-1].end] if bins else []
    return columns(chart_id, title, bars, [(i, _edge(e)) for i, e in enumerate(edges)][::step], unit)


def columns(chart_id, title, rows, ticks, caption):
    """A column per row, left to right, each as tall as its value over the largest, its shown
    value above it when there is room; ticks: (position in columns from the left, text) along
    the bottom, then the caption."""
    most = max((r.value for r in rows), default=0)
    left, bottom = 8, FONT + 6 + PLOT
    column = (WIDTH - 2 * left) / max(len(rows), 1)
    with_values = column >= FONT  # a count must fit above its column
    parts = [f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{WIDTH - left}" y2="{bottom}"/>']
    for i, row in enumerate(rows):
        x = left + i * column
        tall = round(PLOT * row.value / most, 1) if most else 0
        value = (
            f'<text class="chart-value" x="{round(x + column / 2, 1)}" y="{round(bottom - tall - 6, 1)}" '
            f'font-size="{FONT}" text-anchor="middle">{escape(row.shown)}</text>'
        )
        parts.append(
            f'<g class="chart-row"><title>{escape(row.label)}: {escape(row.shown)}</title>'
            f'<rect class="chart-bar" x="{round(x + 1, 1)}" y="{round(bottom - tall, 1)}" '
            f'width="{round(max(column - 2, 1), 1)}" height="{tall}" data-value="{row.value}"/>'
            f"{value if with_values else ''}</g>"
        )
    for position, label in ticks:
        parts.append(
            f'<text class="chart-label" x="{round(left + position * column, 1)}" y="{bottom + FONT + 4}" '
            f'font-size="{FONT}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'<text class="chart-label" x="{WIDTH // 2}" y="{bottom + 2 * FONT + 12}" font-size="{FONT}" '
        f'text-anchor="middle">{escape(caption)}</text>'
    )
    return _svg(chart_id, title, bottom + 2 * FONT + 20, "".join(parts))


def _edge(value):
    return f"{value:g}"
