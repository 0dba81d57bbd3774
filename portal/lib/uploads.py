"""Checking uploaded documents before they are stored: extension, size and content (magic bytes).

An upload is accepted only if its extension is allowed, its size is within ``settings.OPORA_UPLOAD_MAX_MB`` and
its first bytes match the format the extension claims (a renamed ``.exe`` is refused). DOCX/XLSX are ZIP
packages: the package must hold ``word/document.xml`` / ``xl/workbook.xml``. Reusable by any app.
"""

from __future__ import annotations

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
    return "jpg" if ext == "jpeg" else ext
