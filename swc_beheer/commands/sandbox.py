"""CLI commands: sandbox (serve the local catalogue API, write generated datasets)."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from config.errors import SwcError
from sandbox.accounts import Login
from sandbox.catalogue import DEFAULT_PASSWORD, DEFAULT_USER, CatalogueState, build_accounts, serve_catalogue
from sandbox.datagen import Dataset, SandboxDataError, generate
from sandbox.faults import FaultPlan, FaultSpecError, parse_faults
from swc_beheer.cli_support import console, user_errors

__all__ = ["register", "SandboxInputError"]


class SandboxInputError(SwcError):
    """A sandbox option or data file is unusable; the message names it."""

    exit_code = 2


class UpdatedFilter(StrEnum):
    RANGE = "range"
    EXACT = "exact"


class Size(StrEnum):
    FULL = "full"
    TINY = "tiny"


def _dataset(data: Path | None, scale: int, size: Size, seed: int) -> Dataset:
    if data is not None:
        try:
            return Dataset.load(data)
        except SandboxDataError as exc:
            raise SandboxInputError(
                f"Sandbox data file unusable: {exc}",
                hint="Write a valid file with: swc-beheer sandbox generate --out FILE",
            ) from exc
    if scale < 1:
        raise SandboxInputError(f"--scale must be 1 or more, not {scale}")
    return generate(scale=scale, seed=seed, size=size.value)


def _faults(spec: str | None) -> FaultPlan | None:
    if not spec:
        return None
    try:
        return parse_faults(spec)
    except FaultSpecError as exc:
        raise SandboxInputError(f"--faults: {exc}") from exc


def serve_command(
    scale: int = typer.Option(1, "--scale", help="Generate data at this scale (ignored with --data)."),
    size: Size = typer.Option(Size.FULL, "--size", help="full, or tiny (~10% of the counts; fast)."),
    seed: int = typer.Option(20261201, "--seed", help="Seed of the data generator."),
    data: Path | None = typer.Option(None, "--data", help="Serve this dataset file instead of generating."),
    faults: str | None = typer.Option(
        None, "--faults", help="Fault spec, e.g. 'latency=100,5xx=0.1,429=0.05,timeout=0.02,seed=1'."
    ),
    port: int = typer.Option(8080, "--port", help="Port to listen on (0 = any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
    updated_filter: UpdatedFilter = typer.Option(
        UpdatedFilter.RANGE,
        "--updated-filter",
        help="range = v0.2.7 date ranges; exact = 2026 magic mapper (gte is an exact match).",
    ),
    next_links: bool = typer.Option(
        True, "--next-links/--no-next-links", help="v0.2.7 envelope with next/prev, or the 2026 one."
    ),
    strip_empty: bool = typer.Option(False, "--strip-empty", help="2026: leave out empty values."),
    anonymous: bool | None = typer.Option(
        None,
        "--anonymous/--no-anonymous",
        help="Anonymous reads (public rows only); default: as the generation does (2026 yes, v0.2.7 401).",
    ),
    ocs: bool = typer.Option(
        True, "--ocs/--no-ocs", help="Serve the OCS provisioning API (accounts, groups), or refuse it."
    ),
) -> None:
    """Serve the sandbox catalogue (OpenRegister objects API) until Ctrl-C."""
    with user_errors():
        dataset = _dataset(data, scale, size, seed)
        plan = _faults(faults)
        try:
            handle, state = serve_catalogue(
                dataset,
                host=host,
                port=port,
                faults=plan,
                updated_filter=updated_filter.value,
                next_links=next_links,
                strip_empty=strip_empty,
                anonymous=anonymous,
                ocs=ocs,
            )
        except OSError as exc:
            raise SandboxInputError(f"Cannot listen on {host}:{port}: {exc.strerror}") from exc
    counts = ", ".join(f"{n} {schema}" for schema, n in dataset.counts().items())
    console.print(f"Sandbox catalogue on {handle.url}/index.php/apps/openregister/api", highlight=False)
    console.print(f"  objects: {counts}", highlight=False)
    console.print(f"  user: {DEFAULT_USER}  app password: {DEFAULT_PASSWORD}", highlight=False)
    for login in state_logins(state):
        console.print(f"  {login.kind}: {login.uid}  app password: {login.password}", highlight=False)
    console.print(
        f"  env: SWC_CATALOGUE__BASE_URL={handle.url} SWC_CATALOGUE__USER={DEFAULT_USER} "
        f"SWC_CATALOGUE__PASSWORD={DEFAULT_PASSWORD}",
        highlight=False,
    )
    console.print("Press Ctrl-C to stop.")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    console.print(f"Stopped after {state.request_count} requests.")


def state_logins(state: CatalogueState) -> list[Login]:
    """The sandbox's standard logins for this data (admin, functioneel beheerder, one organisation)."""
    return list(build_accounts(state).logins.values())


def generate_command(
    out: Path = typer.Option(..., "--out", help="Write the dataset (JSON) to this file."),
    scale: int = typer.Option(1, "--scale", help="Multiplies every count except the municipalities."),
    size: Size = typer.Option(Size.FULL, "--size", help="full, or tiny (~10% of the counts)."),
    seed: int = typer.Option(20261201, "--seed", help="Seed; the same seed gives the same bytes."),
) -> None:
    """Write a generated sandbox dataset with its ground truth of planted problems."""
    with user_errors():
        dataset = _dataset(None, scale, size, seed)
        try:
            dataset.save(out)
        except OSError as exc:
            raise SandboxInputError(f"Cannot write {out}: {exc.strerror}") from exc
    counts = ", ".join(f"{n} {schema}" for schema, n in dataset.counts().items())
    console.print(f"Wrote {out}: {counts}; {len(dataset.ground_truth)} planted problems.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    group = typer.Typer(help="Local sandbox of the catalogue API for tests and demos.", no_args_is_help=True)
    group.command("serve")(serve_command)
    group.command("generate")(generate_command)
    app.add_typer(group, name="sandbox")
