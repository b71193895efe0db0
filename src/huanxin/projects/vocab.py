"""The words of the project library: every key stored in a project row, with what a person reads.

Fields follow the 2025 special-bond call's list of fields (renewal-facts.md, "Fields covered"); the
department that usually reviews each field is named by keywords matched against the city's units
(the office can change the assignment, projects.models.FieldReviewer)."""

from __future__ import annotations

FIELDS: dict[str, str] = {
    "industry": "工业",
    "energy_using": "用能设备",
    "energy_power": "能源电力",
    "construction_municipal": "建筑和市政基础设施",
    "transport": "交通运输",
    "logistics": "物流",
    "agriculture": "设施农业",
    "grain_oil": "粮油加工",
    "education": "教育",
    "culture_tourism": "文化旅游",
    "healthcare": "医疗卫生",
    "elevator": "老旧住宅电梯",
    "environment": "环境基础设施",
    "work_safety": "安全生产",
    "recycling": "回收循环利用",
    "electronic_info": "电子信息",
}

# Name fragments of the unit that reviews a field, first match wins (常见部门名称及简称).
FIELD_REVIEWER_KEYWORDS: dict[str, tuple[str, ...]] = {
    "industry": ("经济和信息化", "经信", "工业和信息化", "工信"),
    "energy_using": ("经济和信息化", "经信", "工业和信息化", "工信"),
    "electronic_info": ("经济和信息化", "经信", "工业和信息化", "工信"),
    "energy_power": ("能源", "发展和改革", "发展改革", "发改"),
    "construction_municipal": ("住房和城乡建设", "住建"),
    "elevator": ("住房和城乡建设", "住建"),
    "transport": ("交通运输", "交通"),
    "logistics": ("商务", "发展和改革", "发展改革", "发改"),
    "agriculture": ("农业农村", "农业"),
    "grain_oil": ("粮食", "发展和改革", "发展改革", "发改"),
    "education": ("教育",),
    "culture_tourism": ("文化广播电视和旅游", "文化和旅游", "文广旅", "文旅"),
    "healthcare": ("卫生健康", "卫健"),
    "environment": ("生态环境", "住房和城乡建设", "住建"),
    "work_safety": ("应急管理", "应急"),
    "recycling": ("商务",),
}

DIRECTIONS: dict[str, str] = {
    "energy_saving": "节能降碳",
    "ultra_low_emission": "超低排放",
    "work_safety": "安全生产",
    "digital": "数字化转型",
    "intelligent": "智能化升级",
    "domestic": "国产化替代",
}

DOCUMENTS: dict[str, str] = {
    "approval": "立项（审批、核准或备案）",
    "energy_review": "节能审查",
    "eia": "环境影响评价",
    "land": "用地手续",
    "planning": "规划许可",
    "construction_permit": "施工许可",
}

CONSTRUCTION: dict[str, str] = {
    "planned": "未开工",
    "under_construction": "在建",
    "completed": "已完工",
}

INSTRUMENTS: dict[str, str] = {
    "special_bond": "超长期特别国债",
    "central_budget": "中央预算内投资",
    "relending": "科技创新和技术改造再贷款",
    "interest_subsidy": "设备更新贷款财政贴息",
}

ENTERPRISE_FLAGS: dict[str, str] = {
    "specialised": "专精特新企业",
    "high_tech": "高新技术企业",
    "first_set": "首台（套）装备生产企业",
    "standards": "标准化重点企业",
}

EQUIPMENT_SIDES: dict[str, str] = {"retired": "淘汰旧设备", "new": "购置新设备"}

# Categories the energy-efficiency tables know (projects.efficiency), then the rest.
EQUIPMENT_CATEGORIES: dict[str, str] = {
    "motor": "三相异步电动机",
    "transformer": "电力变压器",
    "fan": "通风机",
    "pump": "清水离心泵",
    "air_compressor": "空气压缩机",
    "boiler": "工业锅炉",
    "air_conditioner": "房间空气调节器",
    "machine_tool": "机床",
    "production_line": "生产线设备",
    "vehicle": "车辆",
    "elevator": "电梯",
    "medical": "医疗设备",
    "teaching": "教学设备",
    "it": "信息化设备",
    "other": "其他设备",
}

EFFICIENCY_LEVELS: dict[str, str] = {
    "advanced": "先进水平",
    "saving": "节能水平",
    "entry": "准入水平",
    "below": "低于准入水平",
}

STATUSES: dict[str, str] = {
    "draft": "草稿",
    "county": "待县区审核",
    "department": "待行业部门审核",
    "office": "待专班办公室审核",
    "returned": "已退回修改",
    "approved": "已入库",
    "batched": "已编入批次",
    "reported": "已报送省级",
}

LEVELS: dict[str, str] = {
    "enterprise": "企业",
    "county": "县（市、区）",
    "department": "行业主管部门",
    "office": "专班办公室",
}

ACTIONS: dict[str, str] = {
    "submit": "提交",
    "resubmit": "修改后重新提交",
    "approve": "审核通过",
    "return": "退回修改",
    "batch": "编入批次",
    "unbatch": "移出批次",
    "report": "报送省级",
}

# Who reviews a project in each status, and where approval sends it.
NEXT_ON_APPROVAL: dict[str, str] = {"county": "department", "department": "office", "office": "approved"}
REVIEW_LEVEL_OF_STATUS: dict[str, str] = {"county": "county", "department": "department", "office": "office"}
