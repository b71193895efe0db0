"""Turns an uploaded file into plain text: .txt (UTF-8 or GB18030), .docx (python-docx, tables
included) and text-based .pdf (pypdf). Everything else gets a clear message in Chinese.

Tables become one line per row with cells separated by tabs, the same shape as tables pasted into
a .txt file, so that one table parser serves every format.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from huanxin.errors import InvalidInput
from huanxin.kit import parse_process, uploads

if TYPE_CHECKING:
    from pypdf import PdfReader

MAX_BYTES = 10 * 1024 * 1024
FIELD = "file"
# A PDF page of a typeset plan carries hundreds of characters; a scan carries none (or a few
# characters of a stamp). Below this average the file is treated as a scan.
MIN_CHARS_PER_PDF_PAGE = 20
SUPPORTED = (".txt", ".docx", ".pdf")
MAX_PDF_PAGES = 500


@dataclass(frozen=True)
class SourceText:
    filename: str
    format: str  # txt | docx | pdf
    encoding: str | None
    text: str


def read_document(filename: str, data: bytes, max_bytes: int = MAX_BYTES) -> SourceText:
    """The text of an uploaded plan document, or InvalidInput naming what is wrong with the file."""
    name = PurePath(filename or "").name or "未命名文件"
    if len(data) > max_bytes:
        raise InvalidInput(f"文件“{name}”大小为 {len(data) / 1048576:.1f} MB，超过 {max_bytes // 1048576} MB 上限；"
                           "请上传方案正文（不含扫描图片）", field=FIELD)
    if not data.strip():
        raise InvalidInput(f"文件“{name}”是空文件，没有可识别的内容", field=FIELD)
    suffix = PurePath(name).suffix.lower()
    if suffix == ".txt":
        return _read_txt(name, data)
    if suffix == ".docx":
        return _read_docx(name, data)
    if suffix == ".pdf":
        return _read_pdf(name, data)
    if suffix == ".doc":
        raise InvalidInput(f"文件“{name}”是旧版 Word（.doc）格式，请在 Word/WPS 中另存为 .docx 后上传", field=FIELD)
    raise InvalidInput(f"不支持文件“{name}”的格式，请上传 .txt、.docx 或 .pdf 文件", field=FIELD)


def _looks_binary(data: bytes) -> str | None:
    """Names the real format of a file renamed to .txt, or says it is binary."""
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "PDF 文件"
    if head.startswith(b"PK\x03\x04"):
        return "压缩包或 .docx 文件"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "旧版 Office 文件"
    if head[:3] in (b"\xff\xd8\xff", b"\x89PN") or head.startswith(b"GIF8"):
        return "图片"
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return "二进制文件" if b"\x00" in sample or controls > len(sample) * 0.01 else None


def _decode(data: bytes) -> tuple[str, str] | None:
    # UTF-8 first (it fails loudly on GBK bytes); GB18030 is a superset of GBK and GB2312.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    return None


def _cjk_share(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 0.0
    return sum(1 for ch in visible if "\u4e00" <= ch <= "\u9fff") / len(visible)


def _read_txt(name: str, data: bytes) -> SourceText:
    real = _looks_binary(data)
    if real:
        raise InvalidInput(f"文件“{name}”扩展名为 .txt，但内容是{real}，不是文本；请上传方案的文本、.docx 或 .pdf 文件",
                           field=FIELD)
    decoded = _decode(data)
    if decoded is None or _cjk_share(decoded[0]) < 0.2:
        raise InvalidInput(f"文件“{name}”无法按 UTF-8 或 GB18030 编码识别为中文文本，请另存为 UTF-8 编码后重新上传",
                           field=FIELD)
    text, encoding = decoded
    return SourceText(name, "txt", encoding, text.replace("\r\n", "\n").replace("\r", "\n"))


def _read_docx(name: str, data: bytes) -> SourceText:
    # A .docx is a zip: its directory is checked (members, inflated size, ratio) before python-docx
    # inflates anything, which it does whole, into one XML tree; then the text is extracted in the
    # parse process (kit.parse_process.run_parse), off this server's GIL.
    uploads.check_zip(data, filename=name)
    return SourceText(name, "docx", None, parse_process.run_parse(_docx_text, name, data))


def _docx_text(name: str, data: bytes) -> str:
    """In the parse process: the document's text, body order kept."""
    import docx
    from docx.document import Document as DocumentObject
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document: DocumentObject = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InvalidInput(f"文件“{name}”不是有效的 .docx 文件（{type(exc).__name__}），请用 Word/WPS 重新保存后上传",
                           field=FIELD) from exc
    lines: list[str] = []
    # Body order matters (a table sits between two paragraphs), so walk the XML children.
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            lines.extend(_table_lines(Table(child, document)))
            lines.append("")
    text = "\n".join(lines)
    if not text.strip():
        raise InvalidInput(f"文件“{name}”中没有文字内容", field=FIELD)
    return text


def _table_lines(table: object) -> list[str]:
    """One tab-separated line per row. A merged cell repeats in python-docx; like a pasted table,
    only its first occurrence is kept, so the parser's "empty cell = same as above" rule applies."""
    lines = []
    previous: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells = [" ".join(c.text.split()) for c in row.cells]
        deduped = []
        for i, cell in enumerate(cells):
            same_as_left = i > 0 and cell and cell == cells[i - 1]
            same_as_above = i < len(previous) and cell and cell == previous[i] and i < len(cells) - 2
            deduped.append("" if same_as_left or same_as_above else cell)
        previous = cells
        lines.append("\t".join(deduped))
    return lines


def _read_pdf(name: str, data: bytes) -> SourceText:
    # Extracted in the parse process (kit.parse_process.run_parse), off this server's GIL; the limit is
    # read here, where the settings are the server's.
    limit = uploads.Limits.from_settings().max_inflated_bytes
    return SourceText(name, "pdf", None, parse_process.run_parse(_pdf_text, name, data, limit))


def _pdf_text(name: str, data: bytes, limit: int) -> str:
    """In the parse process: the text of a text-based PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(f"文件“{name}”是加密的 PDF，请去除密码后重新上传", field=FIELD)
        pages = _pdf_pages(name, reader, limit)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"文件“{name}”不是有效的 PDF 文件，无法读取", field=FIELD) from exc
    text = "\n".join(pages)
    chars = len("".join(text.split()))
    if not pages or chars < MIN_CHARS_PER_PDF_PAGE * len(pages):
        raise InvalidInput(f"文件“{name}”是扫描件或图片型 PDF（共 {len(pages)} 页，几乎没有可提取的文字），"
                           "本系统不支持 OCR 文字识别；请上传带文字层的 PDF、.docx 或 .txt 文件", field=FIELD)
    return text


def _pdf_pages(name: str, reader: PdfReader, limit: int) -> list[str]:
    """Each page's text, within limits: pypdf caps one stream's inflated size itself; here the
    page count and the text of all pages together (a plan is tens of pages, well under a MB)."""
    if len(reader.pages) > MAX_PDF_PAGES:
        raise uploads.UploadTooLarge(f"文件“{name}”有 {len(reader.pages)} 页，超过 {MAX_PDF_PAGES} 页的上限；"
                                     "请只上传方案正文")
    pages: list[str] = []
    total = 0
    for page in reader.pages:
        pages.append(page.extract_text() or "")
        total += len(pages[-1])
        if total > limit:
            raise uploads.UploadTooLarge(f"文件“{name}”的文字超过 {uploads.size_label(limit)} 的上限；请只上传方案正文")
    return pages
