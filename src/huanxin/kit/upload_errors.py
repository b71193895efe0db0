"""The refusals of an upload, shared by the checks (kit.uploads) and the parse process
(kit.parse_process): a limit passed, or a file that is not what it claims to be."""

from __future__ import annotations

from huanxin.errors import InvalidInput

FIELD = "file"
MIB = 1024 * 1024


class UploadTooLarge(InvalidInput):
    """A limit of the uploads was passed; nothing was parsed past it and nothing written."""

    status_code = 413

    def __init__(self, message: str, *, row: int = 0, field: str = FIELD):
        # `errors` in the importers' shape (row, column, message), so a page that lists an
        # import's errors lists this one too.
        super().__init__(message, field=field, errors=[{"row": row, "column": "", "message": message}])


class UnreadableUpload(InvalidInput):
    """The file is not what it claims to be; each importer words this in its own terms."""


def size_label(n: int) -> str:
    """10 MB, 1.5 MB, 64 KB: how a limit is named to the user."""
    if n >= MIB:
        return f"{n // MIB} MB" if n % MIB == 0 else f"{n / MIB:.1f} MB"
    return f"{n // 1024} KB" if n >= 1024 else f"{n} 字节"
