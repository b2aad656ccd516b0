"""Generated journey documents of any size, shaped like the bundled klantreis, with the counts they hold.

`generate_journey(target_bytes)` writes phases ("## 🔹 Fase N: …") with one step table each, rows with zero
to three issue links (some rows split over two lines, as the seed's step 1.2 is), and returns the text
with the number of steps and issue references a parser must find. The counts are kept while writing,
so a test can compare a parser's result with them without asking the parser.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["GeneratedJourney", "generate_journey", "REPO"]

REPO = "VNG-Realisatie/Softwarecatalogus"
_HEADER = (
    "| Stapnr | Actie | Beschrijving | Gerelateerd issue |\n"
    "|--------|-------|--------------|-------------------|\n"
)
_ACTIONS = ("Aanbod beoordelen", "Gebruikers opvoeren", "Organisatie samenvoegen", "Rapportage maken")
_TEXTS = ("Nieuw aangemelde leveranciers", "Door herindeling of fusie", "Gebruikersbeheer per organisatie")
_ISSUE_POOL = 2000  # issues repeat across steps, as real documents link one issue from several steps


@dataclass(frozen=True)
class GeneratedJourney:
    """A generated document and what it holds: steps, issue references (after de-duplication per step)."""

    text: str
    phases: int
    steps: int
    refs: int
    steps_without_issues: int


def _link(number: int) -> str:
    return f"[#{number}](https://github.com/{REPO}/issues/{number})"


def _row(phase: int, step: int, numbers: list[int], split: bool) -> str:
    links = " , ".join(_link(n) for n in numbers)
    cells = f"| {phase}.{step} | {_ACTIONS[step % len(_ACTIONS)]} {step} | {_TEXTS[step % len(_TEXTS)]} |"
    if split and len(numbers) > 1:  # the row goes on on the next line, which starts with ", [#N](…)"
        first, rest = _link(numbers[0]), " , ".join(_link(n) for n in numbers[1:])
        return f"{cells} {first} \n, {rest} |\n"
    return f"{cells} {links} |\n"


def generate_journey(
    target_bytes: int = 0, *, phases: int | None = None, steps_per_phase: int = 40, seed: int = 1
) -> GeneratedJourney:
    """A journey document of at least `target_bytes` UTF-8 bytes (it ends with the phase that gets there),
    or of exactly `phases` phases when that is given."""
    rng = random.Random(seed)
    parts = ["# 🧭 Klantreis functioneel beheer (gegenereerd)\n\nEen gegenereerde klantreis.\n\n"]
    size = len(parts[0].encode())
    phase = steps = refs = empty = 0
    while phase < phases if phases is not None else size < target_bytes:
        phase += 1
        block = [f"---\n\n## 🔹 Fase {phase}: Onderdeel {phase}\n\n", _HEADER]
        for step in range(1, steps_per_phase + 1):
            numbers = rng.sample(range(1, _ISSUE_POOL + 1), rng.choice((0, 1, 1, 2, 3)))
            block.append(_row(phase, step, numbers, split=rng.random() < 0.1))
            steps += 1
            refs += len(numbers)
            empty += not numbers
        block.append("\n")
        text = "".join(block)
        parts.append(text)
        size += len(text.encode())
    return GeneratedJourney("".join(parts), phase, steps, refs, empty)
