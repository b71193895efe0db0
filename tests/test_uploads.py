"""Every upload route holds to one set of limits (huanxin.kit.uploads; issue 10, finding 2): the
bytes, the inflated size of a zip container, the rows and columns of a sheet. Each refusal names
the limit, comes before the parse (or stops it at the limit), writes nothing, and the parse runs
off the event loop. An uploaded file is served back only as a download."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import docx
import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.plans.test_exports_http import first_measure, industry_user, open_round, plan_of

from huanxin.config import get_settings
from huanxin.indicators.models import Observation
from huanxin.kit import parse_process, uploads
from huanxin.plans.models import Attachment, Report, RoundItem
from huanxin.tradein.models import ReferencePrice

ZIYANG = "512000"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WINDOW = {"window_start": "2024-05-01", "window_end": "2024-07-31"}
# One header row that each sheet importer recognises as its own (the ledger's unit columns, the
# reference-price columns, the indicator columns), so one file reaches the row limit in all three.
HEADER = ["任务编号", "完成百分比", "完成状态", "进展情况", "时间节点", "品类", "品牌", "型号", "价格（元）",
          "日期", "指标代码", "地区代码", "年份", "月份", "数值"]

Post = Callable[[TestClient, Session, str, bytes], httpx.Response]


def _ledger(client: TestClient, db: Session, name: str, data: bytes) -> httpx.Response:
    plan = plan_of(db, "ziyang-2024")
    response: httpx.Response = client.post(f"/api/v1/plans/{plan.id}/ledger/import", files={"file": (name, data, XLSX)},
                                           headers=api_token(client, "ziyang-office"))
    return response


def _reference_prices(client: TestClient, db: Session, name: str, data: bytes) -> httpx.Response:
    response: httpx.Response = client.post("/api/v1/reference-prices/import", files={"file": (name, data, XLSX)},
                                           headers=api_token(client, "ziyang-office"), data=WINDOW)
    return response


def _indicators(client: TestClient, db: Session, name: str, data: bytes) -> httpx.Response:
    csrf = login_browser(client, "ziyang-office")
    response: httpx.Response = client.post(f"/cities/{ZIYANG}/observations/import", data={"csrf_token": csrf},
                                           files={"file": (name, data, XLSX)})
    return response


def _plan_import(client: TestClient, db: Session, name: str, data: bytes) -> httpx.Response:
    response: httpx.Response = client.post(f"/api/v1/cities/{ZIYANG}/plan-imports", files={"file": (name, data, DOCX)},
                                           headers=api_token(client, "ziyang-office"))
    return response


SHEET_ROUTES: dict[str, Post] = {"ledger": _ledger, "reference_prices": _reference_prices,
                                 "indicators": _indicators}


def _written(db: Session) -> tuple[int, int, int]:
    """What an import could have written: reports, observations, frozen prices."""
    return tuple(int(db.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                 for m in (Report, Observation, ReferencePrice))


def _message(response: httpx.Response) -> str:
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        return f"{body['error']} {body.get('field', '')}"
    return response.text


def _sheet(rows: int, *, columns: int = len(HEADER), declare_dimension: bool = True) -> bytes:
    """A workbook with the shared header and `rows` data rows. Without a declared dimension
    (openpyxl's streaming writer writes none), only reading the rows can tell how many there are."""
    book = Workbook(write_only=not declare_dimension)
    sheet = book.create_sheet("数据", 0)
    sheet.append(HEADER + [None] * (columns - len(HEADER)))
    for number in range(rows):
        sheet.append([number] + [None] * (columns - 2) + ["x"] if columns > len(HEADER) else [number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bomb(data: bytes, inflated: int) -> bytes:
    """The file with one more member: `inflated` bytes of zeros, which deflate ~1000:1."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/padding.bin", "w") as f:
        block = bytes(MIB)
        for _ in range(inflated // MIB):
            f.write(block)
    return out.getvalue()


MIB = 1024 * 1024


@pytest.fixture(scope="module")
def over_the_row_limit() -> bytes:
    # The header is row 1, so the 20,000th data row is row 20,001: one past the default limit.
    return _sheet(get_settings().max_upload_rows, declare_dimension=False)


# ---- 1. bytes ------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["ledger", "reference_prices", "indicators", "plan_import"])
def test_an_oversize_file_is_refused_naming_the_limit(client: TestClient, db: Session, route: str) -> None:
    post = {**SHEET_ROUTES, "plan_import": _plan_import}[route]
    before = _written(db)
    response = post(client, db, "大文件.xlsx" if route != "plan_import" else "方案.docx", b"PK" * (5 * MIB + 1))
    assert response.status_code == 413
    assert "超过 10 MB 的上限" in _message(response)
    assert _written(db) == before


def test_a_request_body_over_the_request_limit_is_cut_at_the_door(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused by its Content-Length, and a chunked body (no Content-Length) once the count passes
    the limit: the form parser never spools the rest."""
    monkeypatch.setattr(get_settings(), "max_request_bytes", MIB)
    plan = plan_of(db, "ziyang-2024")
    url = f"/api/v1/plans/{plan.id}/ledger/import"
    headers = api_token(client, "ziyang-office")
    declared = client.post(url, headers=headers, files={"file": ("台账.xlsx", bytes(2 * MIB), XLSX)})
    assert declared.status_code == 413 and "上传内容超过 1 MB 的上限" in declared.json()["error"]
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
            f"Content-Type: {XLSX}\r\n\r\n").encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(8):
            yield bytes(256 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    chunked = client.post(url, headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
                          content=body())
    assert chunked.status_code == 413 and chunked.json()["field"] == "file"


# ---- 2. the zip container ------------------------------------------------------------------

@pytest.mark.parametrize("route", ["ledger", "reference_prices", "indicators", "plan_import"])
def test_a_zip_bomb_is_refused_before_parsing(client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch,
                                              route: str) -> None:
    """A file of ~100 KB that inflates past the 50 MB limit: refused from the zip's directory,
    before openpyxl or python-docx is called at all."""
    post: Post
    if route == "plan_import":
        document = io.BytesIO()
        docx.Document().save(document)
        bomb, post, name = _bomb(document.getvalue(), 64 * MIB), _plan_import, "方案.docx"
        monkeypatch.setattr(docx, "Document", _must_not_parse)
    else:
        bomb, post, name = _bomb(_sheet(3), 64 * MIB), SHEET_ROUTES[route], "表.xlsx"
        monkeypatch.setattr(uploads, "load_workbook", _must_not_parse)
    assert len(bomb) < 200 * 1024
    before = _written(db)
    response = post(client, db, name, bomb)
    assert response.status_code == 413, response.text
    assert "解压后" in _message(response) and "超过解压后 50 MB 的上限" in _message(response)
    assert _written(db) == before


def _must_not_parse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the parser was called on a file the limits refuse")


def test_a_bomb_like_ratio_and_too_many_members_are_refused() -> None:
    """Under the inflated limit, but one member of 2 MB of zeros (ratio ~1000:1), or 2,000 members."""
    zeros = _bomb(_sheet(3), 2 * MIB)
    with pytest.raises(uploads.UploadTooLarge) as ratio:
        uploads.check_zip(zeros)
    assert "压缩比" in ratio.value.message and "超过 200:1 的上限" in ratio.value.message
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(2000):
            archive.writestr(f"part{i}.xml", "")
    with pytest.raises(uploads.UploadTooLarge) as members:
        uploads.check_zip(many.getvalue())
    assert "2000 个部件，超过 1000 个的上限" in members.value.message


# ---- 3. rows and columns -------------------------------------------------------------------

@pytest.mark.parametrize("route", sorted(SHEET_ROUTES))
def test_a_sheet_over_the_row_limit_is_refused_naming_the_limit(client: TestClient, db: Session, route: str,
                                                                over_the_row_limit: bytes) -> None:
    """The sheet declares no size: the rows are streamed and the read stops at row 20,001."""
    before = _written(db)
    response = SHEET_ROUTES[route](client, db, "很多行.xlsx", over_the_row_limit)
    assert response.status_code == 413, response.text[:500]
    assert "文件超过 20000 行的上限（第 20001 行）" in _message(response)
    assert _written(db) == before


def test_a_declared_dimension_over_the_limits_is_refused_before_reading_rows(client: TestClient, db: Session,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_upload_rows", 50)
    response = _reference_prices(client, db, "价格.xlsx", _sheet(60))
    assert response.status_code == 413
    assert "声明的范围" in response.json()["error"] and "超过 50 行、64 列的上限" in response.json()["error"]
    # The route parses in another process; here, in this one, opening the sheet alone refuses it.
    monkeypatch.setattr(uploads.Sheet, "rows", _must_not_parse)
    with pytest.raises(uploads.UploadTooLarge, match="声明的范围"):
        uploads.open_sheet(_sheet(60))


def test_opening_a_sheet_that_declares_no_size_reads_none_of_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl alone parses every row while it opens such a sheet, before any limit is checked;
    the rows must be read only by the stream that stops at the limit."""
    data = _sheet(10_000, declare_dimension=False)
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size
    read = [0]
    real = getattr(ReadOnlyWorksheet, "_get_source")  # noqa: B009 (private: not in the stubs)

    def counted(sheet: ReadOnlyWorksheet) -> Any:
        return _Counting(real(sheet), read)

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_source", counted)
    with uploads.open_sheet(data) as sheet:
        assert read[0] < size / 10
        assert sum(1 for _ in sheet.rows()) == 10_001


class _Counting:
    def __init__(self, source: Any, read: list[int]) -> None:
        self.source, self.count = source, read

    def read(self, n: int = -1) -> bytes:
        chunk: bytes = self.source.read(n)
        self.count[0] += len(chunk)
        return chunk

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_a_value_past_the_column_limit_is_refused(client: TestClient, db: Session) -> None:
    before = _written(db)
    response = _indicators(client, db, "很宽.xlsx", _sheet(3, columns=70, declare_dimension=False))
    assert response.status_code == 413
    assert "文件超过 64 列的上限（第 2 行 BR 列有内容）" in response.text
    assert _written(db) == before


# ---- 4. off the event loop -----------------------------------------------------------------

@pytest.mark.parametrize("route", ["ledger", "reference_prices", "indicators", "plan_import"])
def test_the_parse_runs_off_the_event_loop(client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch,
                                           route: str) -> None:
    """While a file is parsed, other users' requests go on: the route's own part of an upload
    (the checks of the bytes and the zip directory, then the rows' validation) runs in a worker
    thread, where no event loop runs, and the parse itself in the parse process (below)."""
    seen: list[bool] = []

    def on_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    real_open, real_check = uploads.open_sheet, uploads.check_zip

    def open_sheet(*args: Any, **kwargs: Any) -> uploads.Sheet:
        seen.append(on_loop())
        return real_open(*args, **kwargs)

    def check_zip(*args: Any, **kwargs: Any) -> None:
        seen.append(on_loop())
        real_check(*args, **kwargs)

    monkeypatch.setattr(uploads, "open_sheet", open_sheet)
    monkeypatch.setattr(uploads, "check_zip", check_zip)
    if route == "plan_import":
        document = io.BytesIO()
        docx.Document().save(document)
        _plan_import(client, db, "方案.docx", document.getvalue())
    else:
        SHEET_ROUTES[route](client, db, "表.xlsx", _sheet(3))
    assert seen and not any(seen)


def _document() -> bytes:
    document = docx.Document()
    document.add_paragraph("资阳市推动大规模设备更新和消费品以旧换新实施方案")
    document.add_paragraph("到2025年，全市工业领域设备投资规模较2023年增长25%以上。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("route", ["ledger", "reference_prices", "indicators", "plan_import"])
def test_the_parse_runs_in_another_process(client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch,
                                           route: str) -> None:
    """A thread that parses holds the server's GIL, which every other request needs: the parse
    runs in a process of its own, where openpyxl is patched as here (no rows read while opening)."""
    monkeypatch.setattr(parse_process, "_last_parse_pid", None)
    if route == "plan_import":
        _plan_import(client, db, "方案.docx", _document())
    else:
        SHEET_ROUTES[route](client, db, "表.xlsx", _sheet(3))
    parsed_in = parse_process.last_parse_pid()
    assert parsed_in is not None and parsed_in != os.getpid()
    assert uploads.parse_process_patched()


def test_a_limit_error_raised_in_the_parse_process_arrives_as_the_same_413(
        client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits are the server's (passed to the parse process), and the refusal comes back with
    its Chinese message, its field and its row; nothing in this process streamed a row."""
    monkeypatch.setattr(get_settings(), "max_upload_rows", 50)
    monkeypatch.setattr(uploads.Sheet, "rows", _must_not_parse)
    monkeypatch.setattr(uploads.Sheet, "check_row_count", _must_not_parse)
    before = _written(db)
    response = _reference_prices(client, db, "价格.xlsx", _sheet(60, declare_dimension=False))
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "文件超过 50 行的上限（第 51 行），请分批导入" and body["field"] == "file"
    assert body["errors"][0]["row"] == 51
    assert _written(db) == before


def test_a_parse_past_the_time_limit_is_stopped_and_the_next_runs_in_a_fresh_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file made to trap a parser must not hold this worker's uploads behind it for good."""
    assert uploads.parse_process_patched()
    trapped = parse_process.last_parse_pid()
    limit = parse_process.PARSE_TIMEOUT_S
    monkeypatch.setattr(parse_process, "PARSE_TIMEOUT_S", 1.0)
    with pytest.raises(uploads.UploadTooLarge, match="文件解析超过 1 秒的上限，已停止"):
        parse_process.run_parse(time.sleep, 30)  # stands for a parser that never ends
    # The fresh process gets the usual limit: on a loaded machine its start alone can take a second.
    monkeypatch.setattr(parse_process, "PARSE_TIMEOUT_S", limit)
    assert uploads.parse_process_patched()
    assert parse_process.last_parse_pid() not in (None, trapped)


def test_uploads_past_the_parses_in_flight_are_asked_to_come_back(client: TestClient, db: Session,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Each waiting parse holds a server thread: past the few allowed, an upload is told to retry."""
    monkeypatch.setattr(parse_process, "_in_flight", threading.Semaphore(0))  # all taken by other uploads
    response = _reference_prices(client, db, "价格.xlsx", _sheet(3))
    assert response.status_code == 503
    assert response.json() == {"error": "服务器正在解析其他用户上传的文件，请稍后再上传", "field": "file"}


def test_a_sheet_past_the_row_limit_is_refused_before_its_rows_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting the row tags refuses it, so a refused sheet costs a scan of its bytes, not a parse
    of its first 20,000 rows."""
    monkeypatch.setattr(uploads.Sheet, "rows", _must_not_parse)
    limits = replace(uploads.Limits.from_settings(), max_rows=50)
    with uploads.open_sheet(_sheet(49, declare_dimension=False), limits=limits) as fits:
        fits.check_row_count()  # the header and 49 rows: at the limit
    with uploads.open_sheet(_sheet(50, declare_dimension=False), limits=limits) as past, \
            pytest.raises(uploads.UploadTooLarge, match="文件超过 50 行的上限（第 51 行）"):
        past.check_row_count()


# ---- serving an upload back ----------------------------------------------------------------

def test_an_attachment_is_served_as_a_download_never_as_a_page(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_measure(db, plan)
    open_round(db, plan)
    user = industry_user(db, plan)
    item = db.scalar(select(RoundItem).where(RoundItem.task_id == task.id, RoundItem.unit_id == user.unit_id))
    assert item is not None
    csrf = login_browser(client, user.username)
    page = b"<html><script>alert(document.cookie)</script></html>"
    sent = client.post(f"/round-items/{item.id}/report", follow_redirects=False,
                       data={"csrf_token": csrf, "progress_pct": "40", "task_status": "in_progress",
                             "narrative": "已摸排全市设备更新需求。"},
                       files={"attachments": ("进展.html", page, "text/html")})
    assert sent.status_code == 303, sent.text
    attachment = db.scalar(select(Attachment).where(Attachment.filename == "进展.html"))
    assert attachment is not None
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.content == page
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/octet-stream"
