"""Reading uploaded files: every supported format gives text, every bad file a clear message."""

from __future__ import annotations

import io

import docx
import pytest
from tests.plans.importer.documents import COUNTY_MEASURES

from huanxin.errors import InvalidInput
from huanxin.plans.importer.readers import MAX_BYTES, read_document

PLAN = "某某市推动大规模设备更新和消费品以旧换新实施方案\n一、工作目标\n到2027年，设备投资规模较2023年增长25%以上。\n"


def test_utf8_and_gb18030_text_read_the_same() -> None:
    utf8 = read_document("plan.txt", PLAN.encode("utf-8"))
    gbk = read_document("plan.txt", PLAN.encode("gb18030"))
    assert utf8.text == gbk.text == PLAN
    assert (utf8.encoding, gbk.encoding) == ("utf-8", "gb18030")


def test_full_width_and_bom_survive() -> None:
    text = "\ufeff" + PLAN.replace("25%", "２５％")
    assert "２５％" in read_document("plan.txt", text.encode("utf-8")).text


@pytest.mark.parametrize(("name", "data", "words"), [
    ("empty.txt", b"", "空文件"),
    ("blank.txt", b"  \n\n  ", "空文件"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "不是文本"),
    ("zip.txt", b"PK\x03\x04" + b"\x00" * 100, "不是文本"),
    ("random.txt", bytes(range(256)) * 40, "不是文本"),
    ("plan.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".docx"),
    ("plan.xlsx", b"PK\x03\x04", "不支持"),
    ("broken.docx", b"not a zip at all", "不是有效的 .docx"),
    ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
])
def test_bad_files_get_a_message_naming_the_file(name: str, data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document(name, data)
    assert words in caught.value.message
    assert caught.value.field == "file"


def test_a_file_over_ten_megabytes_is_refused_before_reading() -> None:
    big = (PLAN * (MAX_BYTES // len(PLAN.encode()) + 10)).encode()
    with pytest.raises(InvalidInput) as caught:
        read_document("huge.txt", big)
    assert "10 MB" in caught.value.message


def test_docx_paragraphs_and_tables_in_body_order() -> None:
    document = docx.Document()
    document.add_paragraph("某某市推动大规模设备更新和消费品以旧换新实施方案")
    document.add_paragraph("二、重点任务")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["重点任务", "牵头单位", "配合单位"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["建立项目库", "市发展改革委", "市财政局"], strict=True):
        cell.text = text
    document.add_paragraph("附表之后的段落")
    buffer = io.BytesIO()
    document.save(buffer)
    text = read_document("plan.docx", buffer.getvalue()).text
    assert "建立项目库\t市发展改革委\t市财政局" in text
    assert text.index("二、重点任务") < text.index("建立项目库") < text.index("附表之后的段落")


def _pdf(lines: list[str], with_text: bool = True) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from matplotlib.backends.backend_pdf import PdfPages

    fonts = [f for f in font_manager.findSystemFonts() if "CJK" in f]
    if not fonts:
        pytest.skip("no CJK font to typeset a test PDF")
    plt.rcParams["pdf.fonttype"] = 42
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        figure = plt.figure(figsize=(8.27, 11.69))
        if with_text:
            prop = font_manager.FontProperties(fname=fonts[0])
            for i, line in enumerate(lines):
                figure.text(0.05, 0.95 - 0.03 * i, line, fontproperties=prop, fontsize=10)
        else:  # a "scan": an image and no text layer
            axes = figure.add_axes((0, 0, 1, 1))
            axes.imshow([[0, 1], [1, 0]])
            axes.axis("off")
        pdf.savefig(figure)
        plt.close(figure)
    return buffer.getvalue()


def test_text_pdf_is_read() -> None:
    text = read_document("plan.pdf", _pdf(PLAN.splitlines())).text
    assert "设备投资规模较2023年增长25%以上" in text


def test_scanned_pdf_says_ocr_is_not_supported() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document("scan.pdf", _pdf([], with_text=False))
    assert "OCR" in caught.value.message and "扫描件" in caught.value.message


def test_county_document_reads_from_gb18030() -> None:
    assert "清河县" in read_document("清河.txt", COUNTY_MEASURES.encode("gb18030")).text
