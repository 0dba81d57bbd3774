"""Tokens of the integration API (issue, authenticate, revoke) and conversion of JSON rows to the import formats.

A token is ``opora_`` + 43 random URL-safe characters; the database keeps its SHA-256 and the first 12 characters
(to recognise it in lists). The secret is shown once, when it is issued. JSON rows are turned into the same CSV
(or, for staff, the same Excel workbook) a user would upload, so the API goes through exactly the validation and
the single transaction of the file import — there is no second validator.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from opora.safe_export import workbook_bytes
from portal.api.models import READ, WRITE, ApiToken
from portal.audit.services import record, snapshot
from portal.schools.models import Municipality, Region, School
from portal.staff import excel as staff_excel

TOKEN_PREFIX = "opora_"
PREFIX_LENGTH = 12
#: last_used_at is written at most this often per token (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


class BadText(ValueError):
    """A JSON value cannot go into a workbook (control characters); the message names the element and field."""


class TokenError(Exception):
    """A token cannot be issued as asked; the message is Russian."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue(
    *,
    name: str,
    municipality: Municipality | None = None,
    region: Region | None = None,
    permissions: list[str] | tuple[str, ...] = (READ,),
    expires_at: datetime | None = None,
    by: Any,
) -> IssuedToken:
    """A new token; the returned ``secret`` is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise TokenError("Укажите название токена (для какой системы он выдан).")
    if (municipality is None) == (region is None):
        raise TokenError("Токен выдаётся либо на муниципалитет, либо на регион.")
    chosen = [p for p in (READ, WRITE) if p in permissions]
    if not chosen or set(permissions) - {READ, WRITE}:
        raise TokenError("Права токена: «read» (чтение) и/или «write» (запись).")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("Срок действия должен быть в будущем.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name[:100],
        municipality=municipality,
        region=region,
        permissions=chosen,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=digest(secret),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    record(token, "api.token.created", by=by, after=_public_snapshot(token))
    return IssuedToken(token, secret)


def _public_snapshot(token: ApiToken) -> dict[str, Any]:
    data = snapshot(token)
    data.pop("token_hash", None)  # the hash is not a secret, but it has no business in the log
    return data


def revoke(token: ApiToken, *, by: Any) -> ApiToken:
    if token.revoked_at is not None:
        return token
    before = _public_snapshot(token)
    token.revoked_at = timezone.now()
    token.revoked_by = by if getattr(by, "is_authenticated", False) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(token, "api.token.revoked", by=by, before=before, after=_public_snapshot(token))
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, or None (unknown, revoked or expired)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("municipality", "region", "created_by")
        .filter(token_hash=digest(secret))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_active(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(municipality: Municipality) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(municipality=municipality).select_related("created_by", "revoked_by")


# --- scope -------------------------------------------------------------------------------------------------------


def municipalities_of(token: ApiToken) -> QuerySet[Municipality]:
    if token.municipality_id is not None:
        return Municipality.objects.filter(pk=token.municipality_id)
    return Municipality.objects.filter(region_id=token.region_id)


def schools_of(token: ApiToken) -> QuerySet[School]:
    if token.municipality_id is not None:
        return School.objects.filter(municipality_id=token.municipality_id)
    return School.objects.filter(municipality__region_id=token.region_id)


def covers(token: ApiToken, municipality: Municipality) -> bool:
    return municipality.pk == token.municipality_id or (
        token.region_id is not None and municipality.region_id == token.region_id
    )


def scope_filter(token: ApiToken, field: str = "municipality") -> Q:
    """A filter for objects whose ``field`` is a municipality in the token's scope."""
    if token.municipality_id is not None:
        return Q(**{f"{field}_id": token.municipality_id})
    return Q(**{f"{field}__region_id": token.region_id})


# --- JSON rows → the import formats ---------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rows_to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as a UTF-8 CSV («;»-separated): header = the keys in order of first appearance.

    Line 1 is the header, so the element ``rows[i]`` is line ``i + 2`` in the importer's messages.
    """
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


TEACHER_KEYS = ("name", "subjects", "category", "is_leadership", "hired_year")
COURSE_KEYS = ("teacher", "title", "hours", "registry", "year")


def staff_to_xlsx(teachers: list[dict[str, Any]], courses: list[dict[str, Any]]) -> bytes:
    """The staff workbook the Excel import reads (sheets «Педагоги» and «Курсы», the template's headers)."""
    wb = Workbook()
    ws = wb.active
    ws.title = staff_excel.TEACHERS
    sheet = wb.create_sheet(staff_excel.COURSES)
    for target, headers, keys, rows, label in (
        (ws, staff_excel.TEACHER_HEADERS, TEACHER_KEYS, teachers, "teachers"),
        (sheet, staff_excel.COURSE_HEADERS, COURSE_KEYS, courses, "courses"),
    ):
        target.append(headers)
        for index, row in enumerate(rows):
            cells = [_cell(row.get(k)) for k in keys]
            for key, text in zip(keys, cells, strict=True):
                if ILLEGAL_CHARACTERS_RE.search(text):
                    raise BadText(f"Элемент {label}[{index}], поле «{key}»: управляющие символы недопустимы.")
            target.append(cells)
    return workbook_bytes(wb)
