"""The sandbox catalogue: ``generate(scale, seed, size)`` -> ``Dataset`` (format: sandbox/dataset.py).

The natural data comes from ``datagen_build.Generator``; the planted problems and their ground truth from
``datagen_plant``, interleaved with the natural steps in the order below.
"""

from __future__ import annotations

from sandbox.datagen_build import Generator
from sandbox.datagen_plant import plant_after_contacts, plant_before_contacts, plant_final
from sandbox.dataset import FORMAT, REGISTER, RULES, SCHEMA_ORDER, Dataset, SandboxDataError

__all__ = ["FORMAT", "REGISTER", "RULES", "SCHEMA_ORDER", "Dataset", "SandboxDataError", "generate"]


def generate(scale: int = 1, seed: int = 20261201, size: str = "full") -> Dataset:
    """A deterministic catalogue at ``scale`` (``size`` "full" or "tiny") with planted problems."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if size not in ("full", "tiny"):
        raise ValueError("size must be 'full' or 'tiny'")
    g = Generator(scale=scale, seed=seed, size=size)
    g.municipalities()
    g.natural_orgs()
    no_users, no_admin = plant_before_contacts(g)
    g.natural_contacts(no_users, no_admin)
    plant_after_contacts(g)
    modules = g.natural_modules()
    g.natural_usages(modules)
    g.natural_usage_count = len(g.usages)
    g.natural_koppelingen()
    plant_final(g)
    return g.dataset()
