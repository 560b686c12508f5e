"""A game's results as a table (rank, team, each round, joker, corrections, total) and as the files
a host downloads (CSV, XLSX; a season's league table is written the same way). Everything comes
from the game's snapshot, whose leaderboard the projector's podium shows: nothing here scores a
second time. Free of Flask and SQL."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .rules import N_
from .sheets import DANGEROUS

PODIUM_PLACES = 3


@dataclass(frozen=True)
class Line:
    rank: int
    team: str
    paper: bool
    rounds: list  # points per round, None for a round not played yet
    joker: Decimal | None  # what the joker added, None without one
    corrections: Decimal  # what the host's corrections changed (already in the rounds)
    total: Decimal


def header(snap):
    rounds = [f"R{n} {r['title']}" for n, r in enumerate(snap.outline.rounds, start=1)]
    return [N_("Rank"), N_("Team"), *rounds, N_("Joker"), N_("Corrections"), N_("Total")]


def lines(snap):
    """One Line per team in play, in the leaderboard's order, with its rank and total."""
    played = {round_["id"] for round_, _ in snap.played()}
    result = []
    for rank, team in snap.leaderboard:
        by_round = snap.round_points(team["id"])
        rounds = [
            by_round[r["id"]] if r["id"] in played or (team["id"], r["id"]) in snap.paper else None
            for r in snap.outline.rounds
        ]
        corrections = sum(v for (t, _), v in snap.corrected.items() if t == team["id"])
        result.append(
            Line(
                rank=rank,
                team=team["name"],
                paper=team["paper"],
                rounds=rounds,
                joker=snap.joker_bonus(team["id"]),
                corrections=Decimal(corrections),
                total=team["total"],
            )
        )
    return result


def podium(snap):
    """[(rank, team name, total)] of the teams on the podium (ties share a place); none before
    anyone has scored, when every team would share first place."""
    if not snap.points_scored:
        return []
    return [(rank, row["name"], row["total"]) for rank, row in snap.leaderboard if rank <= PODIUM_PLACES]


def _cells(line):
    return [line.rank, line.team, *line.rounds, line.joker, line.corrections, line.total]


def number(value):
    """7.5 and 8, not Decimal('7.50'): what a spreadsheet reads as a number."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _csv_text(text):
    """A team called "=HYPERLINK(...)" stays a name: a spreadsheet runs a cell starting with one
    of DANGEROUS as a formula, unless it starts with a quote (as sheets.py writes quizzes)."""
    return "'" + text if text.startswith(DANGEROUS) else text


def to_csv(snap):
    """The table as CSV text: numbers as 7.5 (a spreadsheet's numbers), team names defused."""
    return csv_table(header(snap), [_cells(line) for line in lines(snap)])


def to_xlsx(snap):
    return xlsx_table("Results", header(snap), [_cells(line) for line in lines(snap)])


def csv_table(titles, rows):
    """A table (a results table, a league table) as CSV text: numbers as 7.5, text defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in titles])
    for cells in rows:
        writer.writerow(_csv_text(c) if isinstance(c, str) else number(c) for c in cells)
    return out.getvalue()


def xlsx_table(title, titles, rows):
    """A table as an XLSX workbook's bytes: a bold header row, numbers as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else number(c) for c in cells])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # a name like "=1+1" is text: openpyxl would write a formula
    for index, heading in enumerate(titles, start=1):
        widest = max([len(heading)] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(40, widest + 2)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
