"""Connectors: HTTP and wire formats turned into typed records. They never read Settings or the store."""

from __future__ import annotations

from connectors.catalogue import CatalogueClient, ListingResult, Page, Skipped
from connectors.catalogue_models import (
    ENTITY_TYPES,
    RECORD_TYPES,
    CatalogueRecord,
    Contact,
    EntityType,
    Koppeling,
    Organisation,
    Package,
    RecordError,
    Usage,
    parse_record,
)
from connectors.errors import (
    AuthFailed,
    ConnectorError,
    NotFound,
    RateLimited,
    RemoteUnavailable,
    UnexpectedPayload,
)
from connectors.http import RequestStats, RetryPolicy, build_http_client, map_http_errors, redact
from connectors.paginators import PageNumberPaginator, create_paginator

__all__ = [
    "AuthFailed",
    "CatalogueClient",
    "CatalogueRecord",
    "ConnectorError",
    "Contact",
    "ENTITY_TYPES",
    "EntityType",
    "Koppeling",
    "ListingResult",
    "NotFound",
    "Organisation",
    "Package",
    "Page",
    "PageNumberPaginator",
    "RECORD_TYPES",
    "RateLimited",
    "RecordError",
    "RemoteUnavailable",
    "RequestStats",
    "RetryPolicy",
    "Skipped",
    "UnexpectedPayload",
    "Usage",
    "build_http_client",
    "create_paginator",
    "map_http_errors",
    "parse_record",
    "redact",
]
