"""Plans of cities that are not one of the five seeds (issue 15): one test per failure class and per
variant of the national template, on the tuned corpus in bench/plan_corpus/tuned (texts written for
this; never the held-out ones, which only the benchmark reads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huanxin.plans.import_cli import app
from huanxin.plans.importer import parse
from huanxin.plans.importer.normalise import normalise
from huanxin.plans.importer.proposal import Proposal

TUNED = Path(__file__).resolve().parents[3] / "bench" / "plan_corpus" / "tuned"
Key = tuple[str, float, str, int, int | None]


def read(name: str) -> Proposal:
    path = TUNED / f"{name}.txt"
    return parse(path.name, path.read_bytes())


def found(p: Proposal) -> set[Key]:
    return {(t.kind, t.value, t.unit, t.year, t.baseline_year) for t in p.targets}


def labelled(name: str) -> set[Key]:
    label = json.loads((TUNED / f"{name}.json").read_text(encoding="utf-8"))
    return {(t["kind"], float(t["value"]), t["unit"], t["year"], t["baseline"]) for t in label["targets"]}


def test_a_respectively_list_ends_at_its_comma_and_keeps_no_baseline() -> None:
    p = read("t01_leshan_respectively_comma")
    assert found(p) == {("level", 85, "%", 2027, None), ("level", 68, "%", 2027, None),
                        ("growth", 26, "%", 2027, 2023), ("growth", 40, "%", 2027, 2023)}
    by_value = {t.value: t for t in p.targets}
    assert "普及率" in by_value[85].text and "二手车交易量" in by_value[40].text


def test_a_baseline_before_respectively_governs_the_list_only() -> None:
    assert found(read("t02_neijiang_baseline_respectively")) == {
        ("growth", 55, "%", 2027, 2023), ("growth", 35, "%", 2027, 2023), ("level", 72, "%", 2027, None)}


def test_goals_stated_in_the_opening_paragraph_are_read() -> None:
    assert found(read("t03_meishan_opening_goals")) == {("growth", 24, "%", 2027, 2023),
                                                        ("growth", 50, "%", 2027, 2023)}


def test_counts_of_the_plans_own_parts_are_not_targets() -> None:
    p = read("t04_guangyuan_structure_counts")
    assert found(p) == {("growth", 25, "%", 2027, 2023), ("level", 15, "个", 2027, None)}
    assert not {t.value for t in p.targets} & {3, 12, 45}


def test_a_count_of_projects_alone_is_still_a_target() -> None:
    text = ("某市方案\n\n一、主要目标\n\n到2027年，实施10个重点工程，建成智能工厂5个。"
            "围绕3大行动、12个工程、30项任务推进。\n")
    assert {(t.value, t.unit) for t in parse("a.txt", text.encode()).targets} == {(10, "个"), (5, "个")}


@pytest.mark.parametrize(("name", "title", "issuer", "date"), [
    ("t05_yaan_title_signature", "雅安市推动大规模设备更新和消费品以旧换新实施方案", "雅安市人民政府", "2024-06-20"),
    ("t06_hunan_xianjiang", "湖南省推动大规模设备更新和消费品以旧换新实施方案", "湖南省人民政府", "2024-06-09"),
    ("t07_zigong_national_name", "自贡市推动大规模设备更新和消费品以旧换新实施方案", "自贡市人民政府", "2024-07-02"),
])
def test_title_keeps_out_the_signature_the_notice_sentence_and_the_national_plan(
        name: str, title: str, issuer: str, date: str) -> None:
    plan = read(name).plan
    assert (plan.title, plan.issuer, str(plan.issued_on)) == (title, issuer, date)


def test_issuer_only_as_written_a_guanweihui_stays_and_signs_at_the_foot() -> None:
    plan = read("t08_mianyang_hitech_guanweihui").plan
    assert plan.issuer == "绵阳高新区管委会" and str(plan.issued_on) == "2024-07-10"
    assert "issuer" not in plan.uncertain


def test_a_date_only_in_the_page_header_is_read_and_marked_uncertain() -> None:
    plan = read("t09_dazhou_header_date").plan
    assert str(plan.issued_on) == "2024-06-25" and plan.issuer == "达州市人民政府"
    assert "issued_on" in plan.uncertain


def test_inline_headings_with_their_brackets_become_tasks() -> None:
    tasks = [(t.title, t.mode, t.lead, t.joint) for t in read("t10_bazhong_inline_headings").iter_tasks()
             if t.level != "action"]
    assert tasks == [("加强组织领导", "lead_only", ["市发展改革委"], []),
                     ("加大金融支持力度", "joint", [], ["市金融工作局", "人行巴中市分行"]),
                     ("强化财政资金保障", "lead_only", ["市财政局"], [])]


def test_web_page_text_is_normalised_before_parsing() -> None:
    p = read("t11_suining_web")
    assert found(p) == labelled("t11_suining_web")
    assert (p.plan.doc_number, str(p.plan.issued_on)) == ("遂府发〔2024〕10号", "2024-06-21")
    shown = " ".join(b.text for b in p.source.blocks)
    assert "网站标识码" not in shown and "打印本页" not in shown and "首页" not in shown


def test_traditional_characters_are_converted() -> None:
    p = read("t12_xinzhu_traditional")
    assert p.plan.title == "广安市推动大规模设备更新和消费品以旧换新实施方案"
    assert p.plan.issuer == "广安市人民政府办公室"
    assert found(p) == {("growth", 24, "%", 2027, 2023), ("growth", 45, "%", 2027, 2023)}


def test_lizheng_zuoyou_yishang() -> None:
    p = read("t13_luxian_lizheng")
    assert found(p) == labelled("t13_luxian_lizheng")
    by_value = {t.value: t for t in p.targets}
    assert by_value[18].comparator == "左右" and not by_value[18].aspirational
    assert by_value[12000].comparator == "以上" and by_value[12000].aspirational


def test_leiji_and_meinian() -> None:
    p = read("t14_zizhong_cumulative_annual")
    assert found(p) == labelled("t14_zizhong_cumulative_annual")
    by_value = {t.value: t for t in p.targets}
    assert by_value[2000].cumulative and not by_value[2000].annual
    assert by_value[20].annual and not by_value[20].cumulative


def test_fanyifan_and_percentage_points() -> None:
    assert found(read("t15_dechang_double_pp")) == {("multiple", 1, "倍", 2027, 2023),
                                                    ("pp_increase", 6, "个百分点", 2027, 2023)}


def test_a_fall_is_a_negative_change_not_a_rise() -> None:
    text = ("某市方案\n\n一、主要目标\n\n到2027年，单位工业增加值能耗较2023年下降8%，"
            "报废汽车回收量、二手车交易量较2023年分别增长50%、40%，"
            "高耗能设备占比、老旧设备占比较2023年分别降低5个、3个百分点。\n")
    assert found(parse("a.txt", text.encode())) == {
        ("growth", -8, "%", 2027, 2023), ("growth", 50, "%", 2027, 2023), ("growth", 40, "%", 2027, 2023),
        ("pp_increase", -5, "个百分点", 2027, 2023), ("pp_increase", -3, "个百分点", 2027, 2023)}


def test_several_years_in_one_sentence_bind_to_their_values() -> None:
    assert found(read("t16_xichang_years_respectively")) == {
        ("growth", 8, "%", 2025, 2023), ("growth", 15, "%", 2026, 2023), ("growth", 22, "%", 2027, 2023)}


def test_page_numbers_and_running_headers_do_not_break_a_sentence() -> None:
    p = read("t17_yichun_page_furniture")
    assert found(p) == labelled("t17_yichun_page_furniture")
    assert not any("— 2 —" in b.text or b.text == "宜春市人民政府文件" for b in p.source.blocks if b.zone == "body")


def test_a_draft_keeps_its_status_and_its_written_issuer() -> None:
    plan = read("t18_guizhou_draft").plan
    assert (plan.title, plan.issuer, plan.status, plan.issued_on) == (
        "贵州省推动大规模设备更新和消费品以旧换新实施方案", "贵州省发展和改革委员会", "征求意见稿", None)


def test_a_guessed_issuer_is_marked_uncertain() -> None:
    text = ("宿迁市推动设备更新工作方案\n\n为推动设备更新，制定本方案。\n\n一、主要目标\n\n"
            "到2027年，全市设备投资规模较2023年增长20%。\n")
    plan = parse("宿迁.txt", text.encode()).plan
    assert plan.issuer == "宿迁市人民政府" and "issuer" in plan.uncertain and "issued_on" in plan.uncertain


def test_a_clean_document_goes_through_normalisation_unchanged() -> None:
    clean = ("资阳市某方案\n\n一、主要目标\n\n到2027年，设备投资较2023年增长25%以上。\n"
             "（一）加强领导。（市发展改革委）\n")
    assert normalise(clean) == clean


@pytest.mark.parametrize(("content", "says"), [
    (b"", "空文件"),
    (b"\x00\x01\x02\xff\xfe\x00binary\x00\x9c", "文件"),
    ("某某市关于加强设备更新工作的通知\n\n一、总体要求\n坚持统筹推进。\n".encode(), "未识别到量化目标"),
])
def test_parse_json_answers_clearly_on_no_goals_binary_and_empty(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["parse", str(path), "--json"])
    assert says in result.output
    if says == "未识别到量化目标":
        assert result.exit_code == 0 and json.loads(result.stdout)["targets"] == []
    else:
        assert result.exit_code == 1 and "Traceback" not in result.output
