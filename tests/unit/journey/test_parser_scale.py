"""Large journey documents: the size limit, and a generated mid-size document read completely."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from journey.errors import JourneyParseError
from journey.parser import MAX_DOCUMENT_BYTES, check_journeys, load_journey, parse_journey
from sandbox.journeygen import REPO, generate_journey


def test_a_document_over_the_limit_is_refused_naming_file_size_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "klantreis-export.md"
    with path.open("wb") as handle:  # sparse: nothing is written, the size is what counts
        handle.truncate(16 * 1024 * 1024 + 1)
    with pytest.raises(JourneyParseError) as info:
        load_journey(path, default_repo=REPO)
    error = info.value
    assert error.path == str(path)
    assert str(path) in error.message and "16777217" in error.message and "16777216" in error.message
    assert error.key == "error.journey.too_large"
    assert error.params == {"path": str(path), "size": 16 * 1024 * 1024 + 1, "limit": 16 * 1024 * 1024}


def test_the_limit_is_sixteen_mebibytes_and_a_document_at_it_is_read(tmp_path: Path) -> None:
    assert MAX_DOCUMENT_BYTES == 16 * 1024 * 1024
    path = tmp_path / "doc.md"
    path.write_bytes(b"# Titel\n" + b"x" * 92)  # 100 bytes
    assert load_journey(path, default_repo=REPO, max_bytes=100)[0].name == "Titel"
    with pytest.raises(JourneyParseError, match="doc.md is 100 bytes; the limit is 99 bytes"):
        check_journeys([path], default_repo=REPO, max_bytes=99)


def test_a_stream_without_a_size_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)  # a pipe's size is 0 to stat: the read itself is bounded
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"a" * 200))  # fits the pipe's buffer
    writer.start()
    with pytest.raises(JourneyParseError, match="pipe.md is 101 bytes; the limit is 100 bytes"):
        load_journey(fifo, default_repo=REPO, max_bytes=100)
    writer.join(timeout=10)


def test_a_generated_document_of_two_thousand_steps_is_read_completely() -> None:
    doc = generate_journey(phases=50, steps_per_phase=40)
    assert doc.steps == 2000 and doc.phases == 50
    journey, problems = parse_journey(doc.text, "gen.md", default_repo=REPO)
    assert len(journey.phases) == doc.phases
    assert len(journey.steps) == doc.steps
    assert sum(len(step.refs) for step in journey.steps) == doc.refs
    assert sum(not step.refs for step in journey.steps) == doc.steps_without_issues
    assert not [p for p in problems if p.severity != "info"]
