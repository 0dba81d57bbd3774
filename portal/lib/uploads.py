"""Checking uploaded documents before they are stored: extension, size and content (magic bytes).

An upload is accepted only if its extension is allowed, its size is within ``settings.OPORA_UPLOAD_MAX_MB`` and
its first bytes match the format the extension claims (a renamed ``.exe`` is refused). DOCX/XLSX are ZIP
packages: the package must hold ``word/document.xml`` / ``xl/workbook.xml``. Reusable by any app.

ZIP packages (xlsx, docx) are also checked before any library opens them (:func:`check_zip_package`): the number
of members, their total unpacked size and the compression ratio are capped, and encrypted or unsafe member names are
refused — a 40 KB «xlsx» that unpacks to gigabytes never reaches openpyxl or calamine. Data imports (results,
context, staff, monitoring, profiles) call :func:`data_import_problem` at their entry point.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings

_PDF = (b"%PDF-",)
_OLE = (bytes.fromhex("D0CF11E0A1B11AE1"),)  # legacy Word/Excel (compound file)
_ZIP = (b"PK\x03\x04",)
_JPEG = (b"\xff\xd8\xff",)
_PNG = (b"\x89PNG\r\n\x1a\n",)

#: Extension → accepted leading bytes.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": _PDF,
    "doc": _OLE,
    "xls": _OLE,
    "docx": _ZIP,
    "xlsx": _ZIP,
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "png": _PNG,
}
#: The member a ZIP-based Office file must contain.
_ZIP_MEMBER = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}

DOCUMENT_EXTENSIONS: tuple[str, ...] = ("pdf", "docx", "xlsx", "doc", "xls", "jpg", "jpeg", "png")


class UploadRejected(ValueError):
    """The file is refused; ``str(error)`` is a Russian sentence for the user."""


def max_upload_bytes() -> int:
    return int(settings.OPORA_UPLOAD_MAX_MB) * 1024 * 1024


def extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def validate_upload(upload: Any, *, allowed: Iterable[str] = DOCUMENT_EXTENSIONS) -> str:
    """Check an uploaded file (Django ``UploadedFile`` or any object with ``name``, ``size``, ``read``, ``seek``).

    Returns the normalised extension (``jpeg`` → ``jpg``); raises :class:`UploadRejected` otherwise. The file
    position is left at the start.
    """
    allowed = tuple(allowed)
    name = str(getattr(upload, "name", "") or "")
    ext = extension(name)
    listed = ", ".join(sorted({"jpg" if a == "jpeg" else a for a in allowed}))
    if ext not in allowed or ext not in MAGIC:
        raise UploadRejected(f"Файл «{name}»: формат .{ext or '?'} не принимается. Допустимы: {listed}.")
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise UploadRejected(f"Файл «{name}» пуст.")
    limit_mb = int(settings.OPORA_UPLOAD_MAX_MB)
    if size > max_upload_bytes():
        raise UploadRejected(
            f"Файл «{name}» слишком большой: {size / 1024 / 1024:.1f} МБ, допустимо не больше {limit_mb} МБ."
        )
    stream: IO[bytes] = upload
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if not any(head.startswith(m) for m in MAGIC[ext]):
        raise UploadRejected(
            f"Файл «{name}»: содержимое не похоже на .{ext} (файл повреждён или расширение изменено)."
        )
    member = _ZIP_MEMBER.get(ext)
    if member is not None:
        try:
            with zipfile.ZipFile(stream) as package:
                ok = member in package.namelist()
        except zipfile.BadZipFile:
            ok = False
        finally:
            stream.seek(0)
        if not ok:
            raise UploadRejected(f"Файл «{name}»: это не документ .{ext} (внутри нет {member}).")
        data = stream.read()
        stream.seek(0)
        check_zip_package(data, name)
    return "jpg" if ext == "jpeg" else ext


#: Data imports: the formats the readers take.
DATA_EXTENSIONS: tuple[str, ...] = ("xlsx", "csv")


def check_zip_package(data: bytes, filename: str) -> None:
    """Refuse a ZIP package (xlsx/docx) that could exhaust memory or disk when opened.

    Only the central directory is read (nothing is decompressed): too many members, a total unpacked size over
    ``OPORA_ZIP_MAX_UNPACKED_MB``, a member or the whole package compressed more than ``OPORA_ZIP_MAX_RATIO`` : 1,
    an encrypted member, or a member name that is absolute or climbs out (``..``) raise :class:`UploadRejected`.
    Data that is not a ZIP package is left to the format's own reader.
    """
    if not data.startswith(b"PK\x03\x04"):
        return
    where = f"Файл «{filename}»"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UploadRejected(f"{where}: архив повреждён, открыть его нельзя.") from None
    max_members = int(settings.OPORA_ZIP_MAX_MEMBERS)
    if len(members) > max_members:
        raise UploadRejected(
            f"{where}: внутри слишком много частей ({len(members)}, допустимо не больше {max_members})."
        )
    cap_mb = int(settings.OPORA_ZIP_MAX_UNPACKED_MB)
    ratio_cap = int(settings.OPORA_ZIP_MAX_RATIO)
    total = 0
    for info in members:
        member = info.filename
        if info.flag_bits & 0x1:
            raise UploadRejected(f"{where}: часть «{member}» зашифрована; загрузите файл без пароля.")
        if member.startswith(("/", "\\")) or ".." in PurePath(member.replace("\\", "/")).parts:
            raise UploadRejected(f"{where}: недопустимое имя части архива «{member}».")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRejected(f"{where}: часть «{member}» сжата неподдерживаемым способом.")
        total += info.file_size
        # a tiny member may legitimately compress well; the ratio matters only from 1 MB unpacked
        if info.file_size > 1024 * 1024 and info.file_size > ratio_cap * max(info.compress_size, 1):
            raise UploadRejected(
                f"{where}: часть «{member}» сжата подозрительно сильно "
                f"({info.file_size // max(info.compress_size, 1)}:1, допустимо не больше {ratio_cap}:1); "
                "файл похож на «zip-бомбу» и не принимается."
            )
    if total > cap_mb * 1024 * 1024:
        raise UploadRejected(
            f"{where}: в распакованном виде файл занимает {total / 1024 / 1024:.0f} МБ, "
            f"допустимо не больше {cap_mb} МБ."
        )
    if total > 1024 * 1024 and total > ratio_cap * max(len(data), 1):
        raise UploadRejected(
            f"{where}: файл сжат подозрительно сильно ({total // max(len(data), 1)}:1, допустимо не больше "
            f"{ratio_cap}:1); он похож на «zip-бомбу» и не принимается."
        )


def max_import_mb(filename: str) -> int:
    """The size cap of a data file in MB: CSV is read as a stream (student results run to millions of rows), a
    workbook is opened whole."""
    if extension(filename) == "csv":
        return int(settings.OPORA_IMPORT_CSV_MAX_MB)
    return int(settings.OPORA_IMPORT_MAX_MB)


def data_import_problem(data: bytes, filename: str) -> str | None:
    """The Russian reason a data file must not be read, or None: only xlsx and csv, within the size cap
    (``OPORA_IMPORT_MAX_MB``, CSV ``OPORA_IMPORT_CSV_MAX_MB``), never a ZIP bomb. The content itself is left to the
    readers, whose messages name the row and column."""
    ext = extension(filename)
    if ext not in DATA_EXTENSIONS:
        listed = ", ".join(DATA_EXTENSIONS)
        return f"Файл «{filename}»: формат .{ext or '?'} не принимается. Допустимы: {listed}."
    limit_mb = max_import_mb(filename)
    if len(data) > limit_mb * 1024 * 1024:
        return (
            f"Файл «{filename}» слишком большой: {len(data) / 1024 / 1024:.1f} МБ, "
            f"допустимо не больше {limit_mb} МБ."
        )
    try:
        check_zip_package(data, filename)
    except UploadRejected as exc:
        return str(exc)
    return None
