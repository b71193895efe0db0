"""Chinese labels for the codes stored in the database (one place, used by pages and exports)."""

TASK_STATUS = {"not_started": "未开始", "in_progress": "进行中", "completed": "已完成", "closed": "已销号"}
TASK_STATUS_BY_LABEL = {v: k for k, v in TASK_STATUS.items()}
REPORT_STATUS = {"draft": "草稿", "submitted": "已报送", "returned": "已退回", "accepted": "已采纳"}
ITEM_STATUS = {"pending": "待报送", "submitted": "已报送", "returned": "退回修改", "accepted": "已采纳"}
CLOSURE_STATUS = {"pending": "待审核", "approved": "已批准", "rejected": "已驳回"}
LIGHT = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LEVEL = {"action": "行动", "key_task": "重点任务", "measure": "具体举措", "sub_measure": "子举措"}
ACTION = {
    "equipment": "设备更新", "consumer": "消费品以旧换新", "recycling": "回收循环利用",
    "standards": "标准提升", "supply_demand": "产品供需对接", "guarantee": "政策保障",
    "mechanism": "工作机制", "other": "其他",
}
UNIT_ROLE = {"lead": "牵头", "co": "配合", "joint": "共同负责"}
TARGET_KIND = {
    "level": "达到", "growth": "较基期增长", "pp_increase": "较基期提高", "ratio": "比值", "multiple": "较基期增加倍数",
}
