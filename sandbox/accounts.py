"""Nextcloud accounts for the sandbox catalogue: who may log in, what they see, and the OCS provisioning API.

``AccountBook.build(contacts, organisations_with_usage=...)`` derives a realistic account population from the
catalogue's contactpersonen (uid = the e-mail address, as the catalogue creates them; some never logged in,
some disabled), adds accounts without a contactpersoon (the installation admin, VNG staff), and three
accounts that can log in with an app password:

* ``admin`` (``beheer``): group ``admin``; OpenRegister lets it bypass RBAC and the organisation filter;
* ``functioneel_beheerder``: a VNG functioneel beheerder, member of ``admin`` and ``functioneel-beheerder``;
* ``organisation``: the account of one gemeente's contactpersoon, not an admin: its listings (and their
  ``total``) show only its active organisation's rows plus what the schema rules make public.

``ocs_response(book, request, caller)`` answers ``/ocs/v1.php`` and ``/ocs/v2.php`` as Nextcloud's
provisioning_api does (read from its ``UsersController``): ``cloud/users`` lists every uid for an admin and
an **empty list** (200) for anyone else; ``cloud/users/details`` (Nextcloud 14+, ``getUsersDetails``) the
same page of accounts as an object keyed by uid whose values are what ``cloud/users/{uid}`` answers, or
``[]`` when the page is empty (PHP encodes an empty array, or one keyed ``0..n-1``, as a JSON list); both
page with ``limit`` (none: everything) and ``offset``, in uid order; ``cloud/users/{uid}`` and
``cloud/users/{uid}/groups`` answer an admin, or the account itself, and **404 / statuscode 998** for another
account (older Nextcloud: 997 / 401);
without ``OCS-APIRequest: true`` a Basic-auth request fails the CSRF check (412); without a login: 401 / 997.
JSON with ``format=json`` (or an ``Accept: application/json`` header), XML otherwise.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote
from xml.sax.saxutils import escape

from sandbox.server import Request, Response

__all__ = [
    "ADMIN_GROUP",
    "Account",
    "AccountBook",
    "Login",
    "OCS_PREFIXES",
    "STANDARD_LOGINS",
    "ocs_response",
]

ADMIN_GROUP = "admin"  # Nextcloud's admin group: OpenRegister's admin bypass checks membership of it
OCS_PREFIXES = ("/ocs/v2.php/", "/ocs/v1.php/")
LoginKind = Literal["admin", "functioneel_beheerder", "organisation"]
_NOW = datetime(2026, 12, 1)  # the sandbox clock's default start; last logins lie before it
_INVALID_QUERY = (
    "Invalid query, please check the syntax. API specifications are here: "
    "http://www.freedesktop.org/wiki/Specifications/open-collaboration-services."
)


@dataclass(frozen=True)
class Login:
    """An account that can log in to the sandbox, with its (not secret) sandbox app password."""

    kind: LoginKind
    uid: str
    password: str


@dataclass(frozen=True)
class Account:
    """One Nextcloud account; ``organisation`` is its active OpenRegister organisation (the tenant)."""

    uid: str
    display_name: str
    email: str | None
    groups: tuple[str, ...] = ()
    enabled: bool = True
    last_login: int = 0  # seconds since the epoch; 0 = never logged in
    organisation: str | None = None
    contact: str | None = None  # the contactpersoon uuid, None for accounts without one

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


FUNCTIONEEL_BEHEERDER_UID = "functioneel.beheer@vngrealisatie.nl"
STANDARD_LOGINS: dict[LoginKind, tuple[str | None, str]] = {  # kind -> (uid, password); None: from the data
    "admin": ("beheer", "sandbox-app-password"),
    "functioneel_beheerder": (FUNCTIONEEL_BEHEERDER_UID, "sandbox-fb-app-password"),
    "organisation": (None, "sandbox-org-app-password"),
}
_STAFF = (  # accounts without a contactpersoon: (uid, display name, groups, enabled, never logged in)
    ("redactie@vngrealisatie.nl", "Redactie Softwarecatalogus", ("redactie",), True, False),
    ("servicedesk@vngrealisatie.nl", "Servicedesk", ("servicedesk",), True, True),
    ("test.leverancier@voorbeeld.nl", "Testaccount leverancier", ("gebruikers",), False, False),
)


@dataclass
class AccountBook:
    """Every account by uid (case-insensitive, as Nextcloud's database backend), and the login passwords."""

    accounts: dict[str, Account] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict, repr=False)  # casefolded uid -> app password
    logins: dict[LoginKind, Login] = field(default_factory=dict)

    def add(self, account: Account, password: str | None = None) -> None:
        key = account.uid.casefold()
        if key in self.accounts:
            return
        self.accounts[key] = account
        if password is not None:
            self.passwords[key] = password

    def get(self, uid: str) -> Account | None:
        return self.accounts.get(uid.casefold())

    def authenticate(self, user: str, password: str) -> Account | None:
        """The account for a Basic-auth login, or None (wrong password, unknown or disabled account)."""
        key = user.casefold()
        account = self.accounts.get(key)
        if account is None or not account.enabled or self.passwords.get(key) != password:
            return None
        return account

    @classmethod
    def build(
        cls,
        contacts: Iterable[Mapping[str, Any]],
        *,
        usage_per_organisation: Mapping[str, int] | None = None,
        admins: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> AccountBook:
        """The population for a catalogue's contactpersonen, the staff accounts and the three logins.

        ``admins``: extra uid -> password logins in the admin group (``create_app(users=...)``).
        The organisation login is the account of the contactpersoon whose organisation has the most usage.
        """
        book = cls()
        admin_uid, admin_password = STANDARD_LOGINS["admin"]
        assert admin_uid is not None
        book.add(Account(admin_uid, "Beheer", None, (ADMIN_GROUP,), last_login=_stamp(1)), admin_password)
        book.logins["admin"] = Login("admin", admin_uid, admin_password)
        for uid, password in (admins or {}).items():
            book.add(Account(uid, uid, None, (ADMIN_GROUP,), last_login=_stamp(2)), password)
        fb_uid, fb_password = STANDARD_LOGINS["functioneel_beheerder"]
        assert fb_uid is not None
        groups = (ADMIN_GROUP, "functioneel-beheerder")
        book.add(Account(fb_uid, "Functioneel beheer VNG", fb_uid, groups, last_login=_stamp(3)), fb_password)
        book.logins["functioneel_beheerder"] = Login("functioneel_beheerder", fb_uid, fb_password)
        for uid, name, staff_groups, enabled, never in _STAFF:
            book.add(Account(uid, name, uid, staff_groups, enabled, 0 if never else _stamp(40)))
        people = [c for c in contacts if _uid_of(c)]
        for contact in people:
            book.add(_contact_account(contact, seed))
        chosen = _organisation_contact(people, usage_per_organisation or {})
        if chosen is not None:
            book.add_organisation_login(chosen)
        return book

    def add_organisation_login(self, contact: Mapping[str, Any]) -> None:
        """Make ``contact``'s account the enabled, non-admin ``organisation`` login."""
        uid = _uid_of(contact)
        password = STANDARD_LOGINS["organisation"][1]
        key = uid.casefold()
        self.accounts[key] = Account(
            uid,
            _display_name(contact),
            uid,
            ("organisatie-beheerders",),
            enabled=True,
            last_login=_stamp(5),
            organisation=_organisation_of(contact),
            contact=str(contact.get("id") or "") or None,
        )
        self.passwords[key] = password
        self.logins["organisation"] = Login("organisation", uid, password)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _uid_of(contact: Mapping[str, Any]) -> str:
    """The login uid of a contactpersoon: its ``username``, else its e-mail; "" when not a valid address."""
    value = contact.get("username") or contact.get("e-mailadres") or ""
    value = value.strip() if isinstance(value, str) else ""
    return value if _EMAIL.match(value) else ""


def _organisation_of(contact: Mapping[str, Any]) -> str | None:
    value = contact.get("organisatie")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _display_name(contact: Mapping[str, Any]) -> str:
    parts = (contact.get("voornaam"), contact.get("tussenvoegsel"), contact.get("achternaam"))
    return " ".join(str(p) for p in parts if p) or _uid_of(contact)


def _stamp(days_ago: float) -> int:
    return int(_NOW.timestamp() - days_ago * 86_400)


def _contact_account(contact: Mapping[str, Any], seed: int) -> Account:
    """A contactpersoon's account; about 12% never logged in, 5% disabled (seeded by the contact's id)."""
    uid = _uid_of(contact)
    digest = hashlib.sha256(f"{seed}:{contact.get('id')}".encode()).digest()
    rng = random.Random(digest)
    roll = rng.random()
    roles = contact.get("rollen") or []
    admin_role = isinstance(roles, list) and "Organisatie-beheerder" in roles
    return Account(
        uid,
        _display_name(contact),
        uid,
        ("organisatie-beheerders",) if admin_role else ("gebruikers",),
        enabled=not 0.12 <= roll < 0.17,
        last_login=0 if roll < 0.12 else _stamp(rng.uniform(0.5, 700)),
        organisation=_organisation_of(contact),
        contact=str(contact.get("id") or "") or None,
    )


def _organisation_contact(
    people: list[Mapping[str, Any]], usage: Mapping[str, int]
) -> Mapping[str, Any] | None:
    """The contactpersoon whose organisation has the most usage (ties: the smallest id)."""
    candidates = [c for c in people if _organisation_of(c)]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-usage.get(_organisation_of(c) or "", 0), str(c.get("id"))))


# -- the OCS provisioning API --------------------------------------------------------------------------------


def ocs_response(
    book: AccountBook, request: Request, caller: Account | None, *, enabled: bool = True
) -> Response:
    """Answer one ``/ocs/v{1,2}.php/...`` request for ``caller`` (None: not logged in)."""
    v2 = request.path.startswith(OCS_PREFIXES[0])
    parts = [unquote(p) for p in request.path.split("/")[3:] if p]
    if caller is None:
        return _ocs(request, v2, 997, "Current user is not logged in", http=401)
    if (request.header("ocs-apirequest") or "").lower() != "true":
        return Response.json({"message": "CSRF check failed"}, status=412)
    if not enabled or request.method != "GET" or len(parts) < 2 or parts[:2] != ["cloud", "users"]:
        return _ocs(request, v2, 998, _INVALID_QUERY)
    if len(parts) == 2:
        return _ocs(request, v2, 100, data={"users": _list_users(book, request, caller)})
    if parts[2:] == ["details"]:  # Nextcloud routes it before cloud/users/{uid}: it wins over a uid "details"
        return _ocs(request, v2, 100, data={"users": _users_details(book, request, caller)})
    target = book.get(parts[2])
    allowed = target is not None and (caller.is_admin or target.uid.casefold() == caller.uid.casefold())
    if target is None or not allowed or len(parts) > 4 or (len(parts) == 4 and parts[3] != "groups"):
        return _ocs(request, v2, 998, "User does not exist" if target is None else "")
    if len(parts) == 4:
        return _ocs(request, v2, 100, data={"groups": list(target.groups)})
    return _ocs(request, v2, 100, data=_user_data(target, with_enabled=caller.is_admin))


def _list_users(book: AccountBook, request: Request, caller: Account) -> list[str]:
    """Every uid matching ``search`` for an admin; nothing for anyone else (no error: an empty list)."""
    if not caller.is_admin:
        return []
    needle = (request.first("search") or "").casefold()
    uids = sorted(
        a.uid
        for a in book.accounts.values()
        if not needle or needle in a.uid.casefold() or needle in a.display_name.casefold()
    )
    offset = _int(request.first("offset"), 0)
    limit = _int(request.first("limit"), 0)
    return uids[offset : offset + limit] if limit > 0 else uids[offset:]


def _users_details(book: AccountBook, request: Request, caller: Account) -> dict[str, Any] | list[Any]:
    """``getUsersDetails``: the page ``_list_users`` gives, each uid with what an admin's lookup shows."""
    details: dict[str, Any] = {}
    for uid in _list_users(book, request, caller):
        account = book.get(uid)
        assert account is not None  # listed from the book itself
        details[uid] = _user_data(account, with_enabled=True)
    return _php_array(details)


def _php_array(mapping: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """What PHP's json_encode makes of an array keyed by ``mapping``'s keys: a list when the keys are
    ``0..n-1`` in order (an empty array included: ``[]``), an object otherwise."""
    if list(mapping) == [str(i) for i in range(len(mapping))]:
        return list(mapping.values())
    return mapping


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value not in (None, "") else default
    except ValueError:
        return default


_NO_QUOTA = {"quota": "none", "used": 0}  # never logged in: no home folder yet
_QUOTA = {"quota": -3, "used": 2048, "relative": 0}


def _user_data(account: Account, *, with_enabled: bool) -> dict[str, Any]:
    """What ``getUserData`` returns; ``enabled`` only for admins (a self lookup does not get it)."""
    data: dict[str, Any] = {}
    if with_enabled:
        data.update(enabled=account.enabled, storageLocation=f"/var/www/html/data/{account.uid}")
    data.update(
        id=account.uid,
        lastLogin=account.last_login * 1000,  # milliseconds, 0 = never
        backend="Database",
        subadmin=[],
        quota=_NO_QUOTA if account.last_login == 0 else _QUOTA,
        manager="",
        email=account.email,
        additional_mail=[],
        displayname=account.display_name,
        phone="",
        address="",
        website="",
        twitter="",
        fediverse="",
        organisation="",
        role="",
        headline="",
        biography="",
        profile_enabled="1",
        groups=list(account.groups),
        language="nl",
        locale="",
        notify_email=None,
        backendCapabilities={"setDisplayName": True, "setPassword": True},
    )
    return data


def _ocs(
    request: Request, v2: bool, status: int, message: str = "", *, data: Any = None, http: int | None = None
) -> Response:
    """An OCS envelope; v2 puts the OCS status into the HTTP status (997: 401, 998: 404), v1 answers 200."""
    ok = status in (100, 200)
    code = 200 if (ok and v2) else status
    meta = {"status": "ok" if ok else "failure", "statuscode": code, "message": "OK" if ok else message}
    body = {"ocs": {"meta": meta, "data": data if data is not None else []}}
    if http is None:
        http = 200 if ok or not v2 else {997: 401, 998: 404}.get(status, 400)
    if _wants_json(request):
        return Response.json(body, status=http)
    xml = '<?xml version="1.0"?>\n' + _xml("ocs", body["ocs"])
    return Response(status=http, headers=[("Content-Type", "text/xml; charset=UTF-8")], body=xml.encode())


def _wants_json(request: Request) -> bool:
    fmt = request.first("format")
    if fmt is not None:
        return fmt == "json"
    return "application/json" in (request.header("accept") or "")


def _xml(tag: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(str(k), v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        return f"<{tag}>" + "".join(_xml("element", v) for v in value) + f"</{tag}>"
    if value is None:
        return f"<{tag}/>"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"<{tag}>{escape(text)}</{tag}>"
