"""store.bulk writes rows that read back exactly like rows written through SQLAlchemy Core.

For every entity table and catalogue_version, one set of rows goes in through Core (ids starting with "a")
and the same set through `insert_many` / `update_many` (ids starting with "b"). Then:

* read through SQLAlchemy, both equal the values written (datetimes as the same instant, aware UTC; JSON
  decoded equal);
* read raw through the driver (`exec_driver_sql`), a Core row and its bulk twin hold identical values: on
  SQLite this pins the timestamp text (SQLAlchemy would parse a different text form back all the same)
  and the JSON text.

Runs on SQLite and PostgreSQL (`store_url`). The values cover what the writer special-cases: aware UTC and
non-UTC datetimes, None in timestamp, text and JSON columns, the same datetime object on several rows
(the writer converts a value once while it repeats) followed by a different one and the repeated one
again, microseconds 0 and not 0, JSON given as RawJSON, dict, list and empty list, unicode text.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors import jsoncodec
from store import Store, open_store
from store.base import RawJSON
from store.bulk import insert_many, update_many
from store.catalogue_tables import ENTITY_TABLES, UTCDateTime, catalogue_version

pytestmark = pytest.mark.integration

# --- values -------------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)  # the run's timestamp: one object on many rows
LATER = datetime(2026, 3, 15, 2, 0, 0, 1, tzinfo=UTC)  # the next run's timestamp (updates)
EARLIER = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # microsecond 0
CEST = timezone(timedelta(hours=2))
NST = timezone(timedelta(hours=-3, minutes=-30))
PLUS_TWO = datetime(2026, 3, 29, 3, 15, 0, 5, tzinfo=CEST)  # = 01:15:00.000005 UTC
MINUS = datetime(2025, 12, 31, 22, 0, 0, 120000, tzinfo=NST)  # = 2026-01-01 01:30:00.12 UTC: crosses a year

ROWS = 4


def _uuid(n: int) -> str:
    return str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + n))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _raw_object(n: int) -> dict[str, Any]:
    """An OpenRegister object as the catalogue serves it (gen 2 keys, @self block, unicode)."""
    return {
        "id": _uuid(n),
        "naam": ["Gemeente 's-Hertogenbosch", "Zaaksysteem Één 🚀", "Gemeente Súdwest-Fryslân", "Ĳsselstein"][
            n % 4
        ],
        "cbsCode": 796 + n,
        "deelnemers": [_uuid(100 + n), _uuid(101 + n)] if n % 2 else [],
        "omschrijving": "Beheer van zaken – “snel” & <veilig>\nregel 2\t\u00e9",
        "score": 4.5,
        "leeg": None,
        "@self": {
            "id": _uuid(n),
            "register": "3",
            "schema": "23",
            "owner": "beheer",
            "organisation": _uuid(200 + n),
            "created": "2025-03-01T10:00:00+00:00",
            "updated": f"2026-03-1{n}T09:26:53.589793+00:00",
        },
    }


# Per column: the value of row 0..3 (a variant index picks one; updates use other variants).
COMMON: dict[str, Sequence[Any]] = {
    "content_hash": [_sha(f"row {n}") for n in range(ROWS)],
    "raw": [
        RawJSON.dump(_raw_object(0)),
        RawJSON.dump(_raw_object(1)),
        _raw_object(2),  # a plain dict: serialised by the writer
        RawJSON.dump(_raw_object(3)),
    ],
    "generation": [2, 2, 1, 3],
    "remote_created": [EARLIER, PLUS_TWO, None, MINUS],
    "remote_updated": [NOW, NOW, EARLIER, PLUS_TWO],
    "published": [None, EARLIER, None, MINUS],
    "owner": ["beheer", None, "j.de.vries@s-hertogenbosch.nl", "beheer"],
    "tenant": [_uuid(200), "Gemeente 's-Hertogenbosch", None, "Súdwest-Fryslân 🚲"],
    # the same object on rows 0, 1 and 3, a different one in between: the writer's memo must not leak
    "first_seen": [NOW, NOW, EARLIER, NOW],
    "last_seen": [NOW, NOW, NOW, NOW],
    "changed_at": [NOW, PLUS_TWO, NOW, MINUS],
    "deleted_at": [None, EARLIER, EARLIER, None],
    "version": [1, 3, 2, 1],
    "last_run_id": [7, 7, None, 7],
}

TEXT: dict[str, Sequence[str | None]] = {
    "name": ["Gemeente 's-Hertogenbosch", "Zaaksysteem Één 🚀", None, "Koppeling Ĳssel – BRP"],
    "type": ["Gemeente", "Leverancier", "Samenwerking", None],
    "type_raw": ["Gemeente", "leverancier ", "Samenwerking", None],
    "status": ["actief", "in productie", None, "deactief"],
    "status_raw": ["Actief", "In productie", None, "Deactief"],
    "website": ["https://www.s-hertogenbosch.nl", None, "https://sudwestfryslan.nl/é", ""],
    "email": ["info@s-hertogenbosch.nl", "servicedesk@leverancier.example", None, "ëlla@example.nl"],
    "phone": ["+31 73 615 51 55", None, "14 0515", "073-6155155"],
    "kvk": ["17278718", None, "01234567", "90000001"],
    "cooperation_type": [None, None, "Gemeenschappelijke regeling", "Bedrijfsvoeringsorganisatie"],
    "merged_into": [None, _uuid(300), None, None],
    "first_name": ["Jeroen", "Zoë", "Ánh", None],
    "infix": ["de", None, "van 't", "van der"],
    "last_name": ["Vries", "Ĳzerman", "Nguyễn", "Berg 🙂"],
    "job_title": ["Functioneel beheerder", None, "Informatiemanager", "CISO"],
    "username": ["jdevries", None, "anh.nguyen", "vdberg"],
    "short_description": ["Zaaksysteem voor de gemeente", "Één systeem – alle zaken 🚀", None, ""],
    "package_type": ["Applicatie", "Systeemsoftware", None, "Applicatie"],
    "licence_type": ["Open source", "Commercieel", None, "EUPL-1.2"],
    "registered_by": ["Leverancier", _uuid(301), None, "Gemeente"],
    "koppeling_type": ["Applicatie", "Intern", None, "Extern"],
    "direction": ["Eénrichting", "Tweerichting", None, "Eénrichting"],
    "external_id": ["BRP (RvIG)", None, "Digikoppeling – “StUF”", None],
}
INTS: dict[str, Sequence[int | None]] = {"cbs_code": [796, None, 1900, 0]}
LISTS: dict[str, Sequence[Any]] = {  # tuple columns: the sync writes lists, empty when the record has none
    "members": [[_uuid(400), _uuid(401)], [], [_uuid(402)], []],
    "memberships": [[], [_uuid(403)], [], [_uuid(404), _uuid(405), _uuid(406)]],
    "contacts": [[_uuid(407)], [], [], [_uuid(408)]],
    "roles": [["Organisatie-beheerder", "Functioneel-beheerder"], [], ["Aanbod-beheerder"], ["Gebruiker é"]],
    "koppelingen": [[], [_uuid(409)], [_uuid(410), _uuid(411)], []],
}


def _value(column: sa.Column[Any], variant: int) -> Any:
    name, n = column.name, variant % ROWS
    for samples in (COMMON, TEXT, INTS, LISTS):
        if name in samples:
            return samples[name][n]
    if name.endswith("_id"):  # relations: a uuid, or none
        return None if n == 2 else _uuid(500 + 10 * n + len(name))
    raise AssertionError(f"no sample values for column {column.table.name}.{name}: add some above")


def entity_rows(table: sa.Table, prefix: str) -> list[dict[str, Any]]:
    """ROWS rows with every column of `table`; ids start with `prefix`."""
    rows = []
    for n in range(ROWS):
        row = {c.name: _value(c, n) for c in table.c if c.name != "id"}
        rows.append({"id": _row_id(prefix, n), **row})
    return rows


def version_rows(prefix: str) -> list[dict[str, Any]]:
    raw = COMMON["raw"]
    changes = [
        ("organisation", 1, NOW, "new", raw[0]),
        ("usage", 2, NOW, "changed", raw[1]),
        ("koppeling", 3, NOW, "deleted", None),  # no raw for a deletion
        ("package", 1, PLUS_TWO, "restored", raw[2]),
    ]
    return [
        {
            "entity_type": entity,
            "id": _row_id(prefix, n),
            "version_no": no,
            "run_id": 7,
            "valid_from": valid_from,
            "change": change,
            "content_hash": COMMON["content_hash"][n],
            "raw": raw_value,
        }
        for n, (entity, no, valid_from, change, raw_value) in enumerate(changes)
    ]


def _row_id(prefix: str, n: int) -> str:
    return prefix + _uuid(n)[1:]


TABLES: dict[str, sa.Table] = {
    **{t.name: t for t in ENTITY_TABLES.values()},
    "catalogue_version": catalogue_version,
}


def rows_for(table: sa.Table, prefix: str) -> list[dict[str, Any]]:
    return version_rows(prefix) if table is catalogue_version else entity_rows(table, prefix)


UPDATED = (0, 1, 3)  # row 2 is left alone


def update_rows(table: sa.Table, prefix: str) -> list[dict[str, Any]]:
    """What a later run writes over rows 0, 1 and 3 (like the sync: new values, restored, re-stamped)."""
    rows = []
    for n in UPDATED:
        if table is catalogue_version:
            values = {
                "run_id": 8,
                "valid_from": LATER if n != 3 else PLUS_TWO,
                "change": "changed",
                "content_hash": COMMON["content_hash"][(n + 2) % ROWS],
                "raw": COMMON["raw"][(n + 2) % ROWS],
            }
        else:
            keys = [c.name for c in table.c if c.name not in ("id", "first_seen")]
            values = {name: _value(table.c[name], n + 2) for name in keys}  # other variants: other values
            values.update(
                last_seen=LATER,  # one object on every row again
                changed_at=LATER if n != 3 else MINUS,
                deleted_at=None if n != 3 else PLUS_TWO,  # row 1 restored, row 3 deleted (non-UTC zone)
                version=10 + n,
                last_run_id=8,
            )
        rows.append({"b_id": _row_id(prefix, n), **values})
    return rows


# --- reading back -------------------------------------------------------------------------------------------


def _decoded(value: Any) -> Any:
    return jsoncodec.loads(value) if isinstance(value, RawJSON) else value


def _check_read_back(table: sa.Table, got: dict[str, Any], expected: dict[str, Any], where: str) -> list[str]:
    """Differences between a row read through SQLAlchemy and the values written."""
    problems = []
    for column in table.c:
        if column.name == "id":
            continue
        value, want = got[column.name], _decoded(expected[column.name])
        if isinstance(column.type, UTCDateTime) and value is not None:
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                problems.append(f"{where}.{column.name}: {value!r} is not aware UTC")
        if value != want:
            problems.append(f"{where}.{column.name}: read {value!r}, wrote {want!r}")
    return problems


def read_rows(connection: Connection, table: sa.Table) -> dict[str, dict[str, Any]]:
    return {row["id"]: dict(row) for row in connection.execute(sa.select(table)).mappings()}


def read_raw(connection: Connection, table: sa.Table) -> dict[str, dict[str, Any]]:
    """The stored values as the driver returns them (no SQLAlchemy type processing)."""
    quote = connection.dialect.identifier_preparer.quote
    names = [c.name for c in table.c]
    sql = f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table.name)}"
    return {
        row[names.index("id")]: dict(zip(names, row, strict=True)) for row in connection.exec_driver_sql(sql)
    }


SQLITE_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")  # SQLAlchemy's SQLite DATETIME text


def _compare_raw(
    connection: Connection, table: sa.Table, pairs: Sequence[tuple[str, str]], where: str
) -> list[str]:
    """Differences between the raw stored values of Core-written and bulk-written twins."""
    raw = read_raw(connection, table)
    problems = []
    sqlite = connection.dialect.name == "sqlite"
    for a_id, b_id in pairs:
        for name in raw[a_id]:
            if name == "id":
                continue
            core, bulk = raw[a_id][name], raw[b_id][name]
            if core != bulk or type(core) is not type(bulk):
                problems.append(f"{where} {table.name}.{name}: Core stored {core!r}, bulk stored {bulk!r}")
            if sqlite and isinstance(table.c[name].type, UTCDateTime) and bulk is not None:
                if not SQLITE_TIMESTAMP.match(str(bulk)):
                    problems.append(f"{where} {table.name}.{name}: bulk stored {bulk!r}")
    return problems


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _insert_both(store: Store, table: sa.Table) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    core_rows, bulk_rows = rows_for(table, "a"), rows_for(table, "b")
    with store.transaction() as session:
        session.execute(sa.insert(table), core_rows)
    with store.transaction() as session:
        insert_many(session.connection(), table, bulk_rows)
    return core_rows, bulk_rows


def _pairs() -> list[tuple[str, str]]:
    return [(_row_id("a", n), _row_id("b", n)) for n in range(ROWS)]


# --- tests --------------------------------------------------------------------------------------------------


def test_rows_cover_every_column_and_the_cases_the_writer_special_cases() -> None:
    """Guard for the data above: each table gets every column, and the tricky values are all there."""
    for table in TABLES.values():
        rows = rows_for(table, "a")
        assert all(set(row) == {c.name for c in table.c} for row in rows), table.name
    entity = entity_rows(ENTITY_TABLES["organisation"], "a")
    firsts = [row["first_seen"] for row in entity]
    assert firsts[0] is firsts[1] is firsts[3] and firsts[2] is not firsts[0]  # repeat, change, repeat
    stamps = [v for row in entity for v in row.values() if isinstance(v, datetime)]
    assert {v.utcoffset() for v in stamps} >= {timedelta(0), timedelta(hours=2), timedelta(hours=-3.5)}
    assert {v.microsecond == 0 for v in stamps} == {True, False}
    raws = [row["raw"] for row in entity]
    assert any(isinstance(r, RawJSON) for r in raws) and any(type(r) is dict for r in raws)
    assert [] in [row["members"] for row in entity]


def test_insert_many_reads_back_like_core_insert(store: Store) -> None:
    problems: list[str] = []
    for table in TABLES.values():
        problems += _inserted_like_core(store, table)
    assert not problems, "\n".join(problems)


def _inserted_like_core(store: Store, table: sa.Table) -> list[str]:
    core_rows, bulk_rows = _insert_both(store, table)
    problems: list[str] = []
    with store.engine.connect() as connection:
        stored = read_rows(connection, table)
        assert len(stored) == 2 * ROWS, table.name
        for n, (core, bulk) in enumerate(zip(core_rows, bulk_rows, strict=True)):
            problems += _check_read_back(table, stored[core["id"]], core, f"{table.name} Core row {n}")
            problems += _check_read_back(table, stored[bulk["id"]], bulk, f"{table.name} bulk row {n}")
        problems += _compare_raw(connection, table, _pairs(), "insert")
    return problems


def test_update_many_reads_back_like_core_update_and_touches_only_its_rows(store: Store) -> None:
    problems: list[str] = []
    for table in TABLES.values():
        problems += _updated_like_core(store, table)
    assert not problems, "\n".join(problems)


def _updated_like_core(store: Store, table: sa.Table) -> list[str]:
    core_rows, bulk_rows = _insert_both(store, table)
    core_updates, bulk_updates = update_rows(table, "a"), update_rows(table, "b")
    with store.transaction() as session:
        session.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")), core_updates)
    with store.engine.connect() as connection:
        core_state = read_raw(connection, table)
    with store.transaction() as session:
        update_many(session.connection(), table, bulk_updates, key="b_id")

    problems: list[str] = []
    with store.engine.connect() as connection:
        stored = read_rows(connection, table)
        # the Core-written rows are exactly as before the bulk update
        after = read_raw(connection, table)
        problems += [
            f"{table.name}: update_many changed Core row {rid}"
            for rid, row in core_state.items()
            if rid[0] == "a" and after[rid] != row
        ]
        # updated rows hold the update's values, row 2 still the inserted ones
        updates = {row["b_id"]: row for row in core_updates + bulk_updates}
        for n in range(ROWS):
            for prefix, written in (("a", core_rows), ("b", bulk_rows)):
                rid = _row_id(prefix, n)
                expected = dict(written[n])
                if rid in updates:
                    expected.update({k: v for k, v in updates[rid].items() if k != "b_id"})
                what = f"{table.name} {'Core' if prefix == 'a' else 'bulk'} row {n}"
                what += "" if n in UPDATED else " (not updated)"
                problems += _check_read_back(table, stored[rid], expected, what)
        problems += _compare_raw(connection, table, _pairs(), "update")
    return problems


@pytest.mark.parametrize("write", ["insert_many", "update_many"])
def test_a_naive_datetime_is_refused_by_name_and_nothing_is_written(store: Store, write: str) -> None:
    table = ENTITY_TABLES["usage"]
    naive = datetime(2026, 3, 14, 9, 26, 53, 589793)
    with store.transaction() as session:  # rows "a": the state to keep
        session.execute(sa.insert(table), entity_rows(table, "a"))
    with store.engine.connect() as connection:
        before = read_raw(connection, table)

    if write == "insert_many":
        rows = entity_rows(table, "b")
        rows[2]["changed_at"] = naive  # after two rows with one repeated object, before a valid one
        call = lambda connection: insert_many(connection, table, rows)  # noqa: E731
    else:
        rows = update_rows(table, "a")
        rows[1]["last_seen"] = naive
        call = lambda connection: update_many(connection, table, rows)  # noqa: E731

    with store.engine.connect() as connection:
        transaction = connection.begin()
        with pytest.raises(ValueError, match=re.escape(repr(naive))):
            call(connection)
        assert read_raw(connection, table) == before  # not even a part of the batch reached the database
        transaction.rollback()
    with store.engine.connect() as connection:
        assert read_raw(connection, table) == before


def test_empty_rows_are_a_no_op(store: Store) -> None:
    table = ENTITY_TABLES["organisation"]
    with store.transaction() as session:
        session.execute(sa.insert(table), entity_rows(table, "a"))
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with store.engine.connect() as connection:
        before = read_raw(connection, table)
    with store.engine.connect() as connection:
        sa.event.listen(store.engine, "before_cursor_execute", record)
        try:
            with connection.begin():
                insert_many(connection, table, [])
                update_many(connection, table, [])
                insert_many(connection, catalogue_version, ())
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", record)
        assert statements == []
        assert read_raw(connection, table) == before
