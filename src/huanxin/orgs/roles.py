"""Roles and what each may do. Kept as data so pages, API and tests read the same table."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"  # 工作专班办公室: runs the whole plan of its city
    LEADER = "leader"  # 市政府领导: reads everything of its city
    DEPARTMENT = "department"  # 市直部门: its own tasks and reports
    COUNTY = "county"  # 县（市、区）政府 / 园区: its region and its tasks
    ENTERPRISE = "enterprise"
    BANK = "bank"
    RETAILER = "retailer"
    RECYCLER = "recycler"
    RESIDENT = "resident"
    REVIEWER = "reviewer"  # 商务局审核员: reviews trade-in claims of its city


ROLE_LABELS = {
    Role.OFFICE: "专班办公室",
    Role.LEADER: "市政府领导",
    Role.DEPARTMENT: "市直部门",
    Role.COUNTY: "县（市、区）",
    Role.ENTERPRISE: "企业",
    Role.BANK: "银行",
    Role.RETAILER: "经营主体",
    Role.RECYCLER: "回收企业",
    Role.RESIDENT: "居民",
    Role.REVIEWER: "补贴审核（商务局）",
}

CITY_WIDE_READERS = {Role.OFFICE, Role.LEADER}
# Government staff: they may read codes (parameter paths, rule keys) in staff-only details;
# residents, retailers, enterprises … see Chinese words only.
STAFF_ROLES = {Role.OFFICE, Role.LEADER, Role.DEPARTMENT, Role.COUNTY, Role.REVIEWER}
REPORTING_ROLES = {Role.DEPARTMENT, Role.COUNTY}
LEDGER_ROLES = CITY_WIDE_READERS | REPORTING_ROLES
