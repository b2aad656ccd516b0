"""CLI commands: journey (`journey check` for documentation CI, `journey status` for the board)."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path

import typer

from journey.messages import text

__all__ = ["register", "journey_app"]

DEFAULT_REPO = "VNG-Realisatie/Softwarecatalogus"

# Other areas add their journey commands here (e.g. `journey publish`): journey_app.command("publish")(...)
journey_app = typer.Typer(help="Journey documents: check them, show the status board.", no_args_is_help=True)


class Prefer(StrEnum):
    text = "text"
    url = "url"


class Lang(StrEnum):
    nl = "nl"
    en = "en"


class BoardFormat(StrEnum):
    table = "table"
    md = "md"
    html = "html"
    json = "json"


@journey_app.command("check")
def check_command(
    files: list[Path] = typer.Argument(..., help="Journey documents (Markdown) to check.", metavar="FILE..."),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as JSON."),
    default_repo: str = typer.Option(
        DEFAULT_REPO, "--default-repo", envvar="SWC_GITHUB__REPO", help="owner/name that bare #N refers to."
    ),
    prefer: Prefer = typer.Option(Prefer.text, help="When link text and URL disagree, use this number."),
    lang: Lang = typer.Option(Lang.nl, help="Language of the messages."),
) -> None:
    """Check journey documents: print `file:line: severity code message`; exit 1 on any error.

    Needs no settings, store or network (fit for the documentation repository's CI).
    """
    from journey.parser import check_journeys
    from journey.render import problem_dict, problem_message
    from swc_beheer.cli_support import err_console, user_errors

    with user_errors(lang.value):
        problems = check_journeys(files, default_repo=default_repo, prefer=prefer.value)
    counts = Counter(problem.severity for problem in problems)
    if as_json:
        payload = {
            "files": [str(path) for path in files],
            "summary": {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]},
            "problems": [
                problem_dict(problem) | {"text": problem_message(problem, lang.value)} for problem in problems
            ],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            where = f"{problem.file}:{problem.line}" if problem.line is not None else problem.file
            typer.echo(f"{where}: {problem.severity} {problem.code} {problem_message(problem, lang.value)}")
        summary = text(
            "check.summary",
            lang.value,
            files=len(files),
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
        )
        err_console.print(summary, highlight=False, markup=False)
    raise typer.Exit(1 if counts["error"] else 0)


@journey_app.command("status")
def status_command(
    ctx: typer.Context,
    fmt: BoardFormat = typer.Option(BoardFormat.table, "--format", help="Output format."),
    out: Path | None = typer.Option(None, "--out", help="Write the board to this file instead of stdout."),
    lang: Lang | None = typer.Option(None, help="Language of the board (default: SWC_LANGUAGE)."),
) -> None:
    """Show each journey step's status from the configured journeys and the stored issue states."""
    from journey.render import render_board, render_text
    from swc_beheer.cli_support import console, err_console, settings_from, user_errors
    from swc_beheer.journey_jobs import build_status_board

    settings = settings_from(ctx)
    language = lang.value if lang is not None else settings.language
    with user_errors(language):
        board = build_status_board(settings)
    rendered = render_board(board, fmt.value, lang=language)
    if out is not None:
        body = rendered if isinstance(rendered, str) else render_text(rendered)
        from reports.files import write_output

        with user_errors(language):
            write_output(out, body)
        err_console.print(text("board.written", language, path=out), highlight=False, markup=False)
    elif isinstance(rendered, str):
        typer.echo(rendered, nl=False)
    else:
        console.print(rendered)


@journey_app.command("refresh")
def refresh_command(
    ctx: typer.Context,
    lang: Lang | None = typer.Option(None, help="Language of the summary (default: SWC_LANGUAGE)."),
) -> None:
    """Fetch the journeys' GitHub issues (conditional requests), store them and each step's status."""
    from swc_beheer.cli_support import announce_sandbox, console, settings_from, user_errors
    from swc_beheer.i18n import t
    from swc_beheer.interrupts import run_interruptibly
    from swc_beheer.journey_jobs import run_journey_refresh
    from swc_beheer.summary import render_journey_refresh

    settings = settings_from(ctx)
    language = lang.value if lang is not None else settings.language
    announce_sandbox(settings, asked=False, remotes=("github",))
    with user_errors(language):
        report = run_interruptibly(run_journey_refresh(settings))
    refresh = report.refresh
    console.print(render_journey_refresh(report, language), highlight=False)
    if refresh.deferred:
        console.print(
            t("journey.refresh.deferred", language, count=len(refresh.deferred), reset_at=refresh.reset_at),
            highlight=False,
        )
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    journey_app = typer.Typer(
        help="Journey documents: check them, show the status board.", no_args_is_help=True
    )
    journey_app.command("check")(check_command)
    journey_app.command("status")(status_command)
    journey_app.command("refresh")(refresh_command)
    from swc_beheer.commands.journey_publish import register_publish

    register_publish(journey_app)
    app.add_typer(journey_app, name="journey")
