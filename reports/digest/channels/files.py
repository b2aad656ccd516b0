"""Files: the digest as HTML (chart embedded) and Markdown in a folder, one pair per channel and period.

Writing is atomic and the names are fixed per digest, so delivering twice rewrites the same two files.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from reports.digest.channels.base import DeliveryConfigError
from reports.digest.chart import render_chart
from reports.files import OutputError, write_output
from store.outbox import OutboxEntry

__all__ = ["FileChannel", "file_names"]


def file_names(entry: OutboxEntry) -> tuple[str, str]:
    stem = f"digest-{entry.channel}-{entry.period_end.date().isoformat()}"
    return f"{stem}.html", f"{stem}.md"


@dataclass
class FileChannel:
    name: str
    directory: Path
    kind: str = "file"

    def send(self, entry: OutboxEntry) -> None:
        html_name, md_name = file_names(entry)
        chart = "data:image/png;base64," + base64.b64encode(render_chart(entry.payload)).decode()
        html = entry.body_html.replace(f'src="{CHART_PLACEHOLDER}"', f'src="{chart}"')
        try:
            write_output(self.directory / html_name, html)
            write_output(self.directory / md_name, entry.body_md)
        except OutputError as exc:
            raise DeliveryConfigError(
                exc.message, hint=f"check the directory of digest channel {self.name}"
            ) from exc


CHART_PLACEHOLDER = "chart.png"  # the stored HTML's img src; the file channel embeds the image instead
