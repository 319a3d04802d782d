"""What a benchmark reports, and BENCHMARKS.md written from it.

A figure without its baseline says little on an unknown machine, so every goal is a ratio of two figures measured in
the same run (or a figure against a fixed limit where no baseline exists), and the report names the machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured value."""

    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Goal:
    """A goal from an issue: ``measured`` must stay at or below ``limit``."""

    name: str
    measured: float
    limit: float
    unit: str
    source: str

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": "PASS" if self.passed else "FAIL"}


@dataclass
class Result:
    """Everything one benchmark measured: parameters, figures, goals and notes on method."""

    name: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, name: str, value: float, unit: str, note: str = "") -> float:
        self.figures.append(Figure(name, round(value, 3), unit, note))
        return value

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "parameters": self.parameters,
                "figures": [asdict(figure) for figure in self.figures],
                "goals": [goal.as_dict() for goal in self.goals], "notes": self.notes,
                "ok": all(goal.passed for goal in self.goals)}


class Stopwatch:
    """Wall-clock seconds of a block (``time.perf_counter``): what an operator waits for is what counts."""

    seconds: float = 0.0

    @contextmanager
    def __call__(self) -> Iterator[Stopwatch]:
        start = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds = time.perf_counter() - start


def markdown(machine: dict[str, Any], date: str, results: list[dict[str, Any]], command: str,
             order: list[str], previous: str = "") -> str:
    """BENCHMARKS.md: how it was made, the machine, then each benchmark's goals, figures and method.

    Running some benchmarks refreshes their sections only: the sections of ``previous`` (the file as it was) for
    benchmarks not run now are kept, each with the run line that dates it, in the order of ``order``.
    """
    lines = ["# Benchmarks", "",
             f"Last written by `{command}` on {date}; `make bench` runs every benchmark, `kholuutru bench NAME…` "
             "refreshes only the sections named and keeps the others. Each goal is measured against its baseline "
             "in the same run, on the machine below (`BENCH_DOCUMENT_BYTES` sets the sizes of the backup datasets, "
             "`BENCH_ROUNDS` how many rounds are measured on it, `BENCH_CHANGES` the number of operator spec "
             "changes, `BENCH_DOSSIERS` the size of the province).", "",
             "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    sections = _sections(previous)
    sections.update({result["name"]: _section(result, date, command) for result in results})
    for name in [*order, *sorted(set(sections) - set(order))]:
        if name in sections:
            lines += ["", *sections[name]]
    return "\n".join(lines) + "\n"


def _sections(text: str) -> dict[str, list[str]]:
    """The benchmark sections of an earlier BENCHMARKS.md by benchmark name (the Machine section is always new)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            found = re.search(r"\(`([\w-]+)`\)$", line)
            current = sections.setdefault(found.group(1), []) if found else None
        if current is not None:
            current.append(line)
    return {name: _strip(lines) for name, lines in sections.items()}


def _strip(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _section(result: dict[str, Any], date: str, command: str) -> list[str]:
    lines = [f"## {result['title']} (`{result['name']}`)", "", f"Run by `{command}` on {date}.", ""]
    if result["parameters"]:
        lines.append("Parameters: " + ", ".join(f"{k} = {v}" for k, v in result["parameters"].items()) + ".")
        lines.append("")
    if result["goals"]:
        lines += ["| Goal | Measured | Limit | Verdict | Source |", "|---|---|---|---|---|"]
        lines += [f"| {g['name']} | {_number(g['measured'])} {g['unit']} | ≤ {_number(g['limit'])} {g['unit']} "
                  f"| **{g['verdict']}** | {g['source']} |" for g in result["goals"]]
        lines.append("")
    else:
        lines += ["No numeric goal is set for these figures; each baseline is shown beside its figure.", ""]
    lines += ["| Figure | Value | Note |", "|---|---|---|"]
    lines += [f"| {f['name']} | {_number(f['value'])} {f['unit']} | {f['note']} |" for f in result["figures"]]
    if result["notes"]:
        lines += ["", "Method:", ""] + [f"- {note}" for note in result["notes"]]
    return lines


def doc_notes(doc: str | None) -> list[str]:
    """The paragraphs of a module docstring after its title line, each bullet item on its own, as report notes."""
    notes: list[str] = []
    for paragraph in (doc or "").split("\n\n")[1:]:
        items = paragraph.strip().split("\n- ") if paragraph.lstrip().startswith("- ") else [paragraph]
        notes += [" ".join(item.removeprefix("- ").split()) for item in items]
    return notes


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
