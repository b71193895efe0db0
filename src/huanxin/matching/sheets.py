"""The hand-written class sheets, shared by bench/matching.py and the demo (matching/demo.py): per
equipment class, the sizes on its ladder (each step more than the 20 % a single written size allows),
how suppliers name the products, how enterprises write the demand, and the near-miss of another
class written with the same words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    """One class as suppliers and buyers write it (hand-written phrases; {v} is the size)."""

    key: str
    sizes: tuple[float, ...]
    products: tuple[str, ...]  # product names with the size
    demands: tuple[str, ...]  # demand phrasings with the size
    plain: str  # a demand phrasing without the size (size in the parameters)
    near: tuple[str, str]  # (another class, its product written with the same words)
    efficiency: bool = True  # the class has an energy-efficiency standard
    designation: str = ""  # e.g. "CPD{d}" with d = size × 10


SHEETS = [
    Sheet("motor_induction", (7.5, 15, 30, 55, 90),
          ("YE4系列超高效三相异步电动机 {v}kW 4极 IP55", "三相异步电动机 YE3-{v}kW 380V", "高效三相电机 {v}kW 卧式"),
          ("更新三相异步电动机{v}千瓦", "采购高效电机 功率{v}kW", "电动机 {v}kW 替换老旧Y系列"), "更换三相异步电动机",
          ("motor_controller", "三相异步电动机控制器 {v}kW 软启动")),
    Sheet("motor_pm", (7.5, 15, 30, 55, 90),
          ("永磁同步电动机 TYCX {v}kW", "稀土永磁同步电机 {v}kW 变频驱动", "高效永磁电机 {v}kW"),
          ("永磁同步电机 {v}kW", "采购永磁电动机{v}千瓦"), "永磁同步电动机替换",
          ("vfd", "永磁同步电机专用变频器 {v}kW")),
    Sheet("vfd", (7.5, 15, 30, 55, 90),
          ("通用变频器 {v}kW 380V", "矢量变频器 {v}kW", "风机水泵专用变频器 {v}kW"),
          ("变频器 {v}kW", "采购变频调速器{v}千瓦"), "变频器改造", ("motor_induction", "变频三相异步电动机 {v}kW"),
          efficiency=False),
    Sheet("motor_controller", (7.5, 15, 30, 55, 90),
          ("电机控制器 {v}kW", "电机软启动器 {v}kW 在线式", "电机控制柜 {v}kW"),
          ("电机控制器{v}kW", "电机控制柜 {v}千瓦"), "电机控制器",
          ("motor_induction", "电机 {v}kW 配控制器"), efficiency=False),
    Sheet("transformer_oil", (200, 400, 630, 1000, 1600),
          ("S14-M-{v}/10 油浸式电力变压器", "油浸式变压器 {v}kVA 10kV 二级能效", "全密封油浸式变压器 {v}kVA"),
          ("油浸式变压器 {v}kVA", "更新油变 容量{v}千伏安"), "油浸式电力变压器",
          ("transformer_dry", "干式变压器 {v}kVA 油浸式替代")),
    Sheet("transformer_dry", (200, 400, 630, 1000, 1600),
          ("SCB14-{v}/10 干式电力变压器", "环氧树脂浇注干式变压器 {v}kVA", "干式变压器 {v}kVA 10kV"),
          ("干式变压器{v}kVA", "采购干变 容量{v}kVA"), "干式电力变压器",
          ("transformer_oil", "油浸式变压器 {v}kVA 干式外壳")),
    Sheet("pump_centrifugal", (25, 50, 100, 200, 400),
          ("单级清水离心泵 流量{v}m³/h", "卧式离心泵 {v}m3/h 扬程32m", "节能离心泵 流量{v}m³/h"),
          ("清水离心泵 流量{v}m³/h", "更新离心泵{v}m3/h"), "离心泵节能改造",
          ("motor_induction", "离心泵配套电动机 {v}kW")),
    Sheet("pump_submersible", (25, 50, 100, 200, 400),
          ("潜水排污泵 流量{v}m³/h", "不锈钢潜水泵 {v}m3/h", "潜污泵 {v}m³/h 无堵塞"),
          ("潜水泵 {v}m³/h", "采购潜污泵流量{v}m3/h"), "潜水泵", ("pump_centrifugal", "离心泵 {v}m³/h 潜水式进口"),
          efficiency=False),
    Sheet("fan_centrifugal", (5000, 10000, 20000, 40000, 80000),
          ("4-72型离心通风机 风量{v}m³/h", "高效离心风机 {v}m3/h", "离心风机 风量{v}m³/h 耐高温"),
          ("离心风机 风量{v}m³/h", "更新离心通风机{v}m3/h"), "离心通风机更新",
          ("fan_axial", "轴流风机 {v}m³/h 离心式叶轮")),
    Sheet("fan_axial", (5000, 10000, 20000, 40000, 80000),
          ("轴流通风机 风量{v}m³/h", "防爆轴流风机 {v}m3/h", "节能轴流风机 {v}m³/h"),
          ("轴流风机{v}m³/h", "采购轴流通风机 风量{v}m3/h"), "轴流风机",
          ("fan_centrifugal", "离心风机 {v}m³/h 轴流式出口")),
    Sheet("compressor_screw", (3, 6, 10, 20, 40),
          ("永磁变频螺杆空压机 排气量{v}m³/min", "螺杆式空气压缩机 {v}m3/min 0.8MPa", "两级压缩螺杆机 {v}m³/min"),
          ("螺杆空压机 排气量{v}m³/min", "空压机更新 {v}m3/min"), "螺杆空气压缩机",
          ("compressor_centrifugal", "离心式压缩机 {v}m³/min 螺杆替代")),
    Sheet("compressor_centrifugal", (3, 6, 10, 20, 40),
          ("离心式空气压缩机 {v}m³/min", "离心空压机 排气量{v}m3/min", "三级离心式压缩机 {v}m³/min"),
          ("离心空压机 {v}m³/min", "离心式压缩机 排气量{v}m3/min"), "离心式空气压缩机",
          ("compressor_screw", "螺杆空压机 {v}m³/min 离心级")),
    Sheet("boiler_gas", (1, 2, 4, 6, 10),
          ("WNS{v}-1.25-Q 燃气蒸汽锅炉", "低氮燃气锅炉 蒸发量{v}t/h", "冷凝式燃气蒸汽锅炉 {v}t/h"),
          ("燃气锅炉 {v}t/h", "低氮燃气蒸汽锅炉{v}吨/小时"), "燃气锅炉低氮改造",
          ("boiler_biomass", "生物质锅炉 {v}t/h 燃气点火")),
    Sheet("boiler_biomass", (1, 2, 4, 6, 10),
          ("DZL{v}-1.25 生物质蒸汽锅炉", "生物质锅炉 蒸发量{v}t/h", "生物质成型燃料锅炉 {v}t/h"),
          ("生物质锅炉 {v}t/h", "生物质蒸汽锅炉 {v}吨/小时"), "生物质锅炉",
          ("boiler_gas", "燃气锅炉 {v}t/h 生物质兼容")),
    Sheet("cnc_lathe", (200, 300, 450, 650, 1000),
          ("卧式数控车床 X轴行程{v}mm", "斜床身数控车床 行程{v}mm", "数控车床 CK系列 行程{v}mm"),
          ("数控车床 行程{v}mm", "采购卧式数控车床 X轴行程{v}mm"), "数控车床",
          ("machining_center", "车铣复合加工中心 行程{v}mm"),
          efficiency=False),
    Sheet("machining_center", (200, 300, 450, 650, 1000),
          ("立式加工中心 X轴行程{v}mm", "高速立式加工中心 行程{v}mm", "五轴加工中心 行程{v}mm"),
          ("立式加工中心 行程{v}mm", "加工中心 X轴行程{v}mm"), "加工中心",
          ("cnc_lathe", "数控车床 行程{v}mm 加工中心刀塔"), efficiency=False),
    Sheet("forklift_electric", (1.5, 2.5, 3.5, 5, 7),
          ("CPD{d} 锂电平衡重叉车", "电动平衡重叉车 额定起重量{v}吨", "电动叉车 {v}t 锂电池"),
          ("电动叉车 {v}吨", "锂电叉车CPD{d}"), "电动叉车", ("forklift_ice", "内燃叉车 {v}t 电动转向"),
          efficiency=False, designation="CPD{d}"),
    Sheet("forklift_ice", (1.5, 2.5, 3.5, 5, 7),
          ("CPCD{d} 柴油平衡重叉车", "内燃平衡重叉车 额定起重量{v}吨", "柴油叉车 {v}t 国四排放"),
          ("柴油叉车 {v}吨", "内燃叉车CPCD{d}"), "内燃叉车", ("forklift_electric", "电动叉车 {v}t 柴油替代"),
          efficiency=False, designation="CPCD{d}"),
    Sheet("bridge_crane", (5, 10, 16, 32, 50),
          ("QD型桥式起重机 额定起重量{v}t", "电动双梁桥式起重机 {v}吨", "桥式起重机 {v}t 变频控制"),
          ("桥式起重机 {v}吨", "更新行车 起重量{v}t"), "桥式起重机", ("forklift_ice", "叉车 {v}t 起重"),
          efficiency=False),
    Sheet("robot_welding", (6, 10, 20, 50, 165),
          ("六轴弧焊机器人 负载{v}kg", "焊接机器人 {v}kg 臂展1.4m", "点焊机器人 额定负载{v}kg"),
          ("焊接机器人 负载{v}kg", "弧焊机器人{v}公斤"), "焊接机器人", ("robot_handling", "搬运机器人 {v}kg 焊接车间"),
          efficiency=False),
    Sheet("robot_handling", (6, 10, 20, 50, 165),
          ("码垛机器人 负载{v}kg", "上下料搬运机器人 {v}kg", "四轴搬运机器人 额定负载{v}kg"),
          ("搬运机器人 负载{v}kg", "码垛机器人{v}公斤"), "搬运机器人", ("robot_welding", "焊接机器人 {v}kg 搬运"),
          efficiency=False),
    Sheet("server_rack", (16, 32, 64, 128, 256),
          ("2U机架式服务器 {v}核", "通用机架服务器 处理器{v}核", "国产机架式服务器 {v}核"),
          ("机架式服务器 {v}核", "采购服务器 {v}核"), "机架式服务器", ("ct", "CT工作站服务器 {v}排"),
          efficiency=False),
    Sheet("ct", (16, 32, 64, 128, 256),
          ("{v}排螺旋CT", "X射线计算机断层摄影设备 {v}排", "{v}排CT 低剂量"),
          ("{v}排螺旋CT", "CT {v}排"), "螺旋CT", ("ultrasound", "彩超 {v}排 CT室"), efficiency=False),
    Sheet("ultrasound", (2, 3, 4, 6, 8),
          ("彩色多普勒超声诊断仪 {v}个探头", "便携彩超 {v}个探头", "高端彩超 探头{v}个"),
          ("彩超 {v}个探头", "超声诊断仪 {v}个探头"), "彩色多普勒超声", ("ct", "CT {v}个探头超声"),
          efficiency=False),
]
