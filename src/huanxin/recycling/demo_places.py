"""The demo's fixed geography of the five cities: each county's seat and its streets and towns.

Coordinates are WGS-84 degrees of the county seats (the built-up centre), **approximate** (to about a
kilometre, from general knowledge of the maps, not surveyed): enough to scatter the demo's
communities, sites and pickups plausibly around the places people live. Street and town names are
those of the counties' sub-districts and towns as far as known, otherwise plausible; the demo's
communities below them are generated. Nothing here is official boundary data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    code: str  # GB/T 2260, as in the city's bootstrap regions
    lat: float
    lon: float
    urban: bool  # a city district (社区 of 1,000+ households) rather than a county of towns and villages
    streets: tuple[str, ...]  # 街道 (urban) and 镇 (town) names; a 镇 is surveyed as a town (乡村 norm)


COUNTIES: dict[str, tuple[County, ...]] = {
    # 资阳 (city centre ≈ 30.13 N, 104.63 E)
    "512000": (
        County("512002", 30.128, 104.638, True, ("莲花街道", "三贤祠街道", "狮子山街道", "宝台镇", "临江镇")),
        County("512021", 30.097, 105.336, False, ("岳阳街道", "石桥街道", "周礼镇", "通贤镇")),
        County("512022", 30.276, 105.031, False, ("天池街道", "南塔街道", "童家镇")),
    ),
    # 攀枝花 (city centre ≈ 26.58 N, 101.72 E)
    "510400": (
        County("510402", 26.547, 101.704, True, ("炳草岗街道", "大渡口街道", "东华街道", "弄弄坪街道", "银江镇")),
        County("510403", 26.597, 101.630, True, ("清香坪街道", "玉泉街道", "格里坪镇")),
        County("510411", 26.497, 101.738, True, ("仁和街道", "大河中路街道", "金江镇")),
        County("510421", 26.887, 102.111, False, ("攀莲镇", "丙谷镇")),
        County("510422", 26.677, 101.852, False, ("桐子林镇", "红格镇")),
    ),
    # 邵阳 (city centre ≈ 27.24 N, 111.47 E)
    "430500": (
        County("430502", 27.233, 111.497, True, ("龙须塘街道", "兴隆街道", "小江湖街道", "东风路街道")),
        County("430503", 27.221, 111.449, True, ("城西街道", "城南街道", "翠园街道", "红旗路街道")),
        County("430511", 27.246, 111.452, True, ("新滩镇街道", "状元洲街道", "茶元头街道")),
        County("430522", 27.321, 111.459, False, ("酿溪镇", "严塘镇")),
        County("430523", 26.990, 111.273, False, ("塘渡口镇", "白仓镇")),
        County("430524", 27.113, 111.032, False, ("桃洪镇", "六都寨镇")),
        County("430525", 27.060, 110.575, False, ("洞口镇", "高沙镇")),
        County("430527", 26.581, 110.155, False, ("长铺镇",)),
        County("430528", 26.433, 110.857, False, ("金石镇",)),
        County("430529", 26.390, 110.322, False, ("儒林镇",)),
        County("430581", 26.727, 110.631, False, ("迎春亭街道", "水西门街道")),
        County("430582", 27.258, 111.743, False, ("两市塘街道", "大禾塘街道", "宋家塘街道")),
    ),
    # 阳泉 (city centre ≈ 37.86 N, 113.58 E)
    "140300": (
        County("140302", 37.857, 113.601, True, ("上站街道", "下站街道", "北大街街道", "南山路街道", "义井街道")),
        County("140303", 37.869, 113.556, True, ("桥头街道", "赛鱼街道", "蔡洼街道", "沙坪街道")),
        County("140311", 37.940, 113.590, False, ("荫营镇", "河底镇", "平坦镇")),
        County("140321", 37.787, 113.630, False, ("冠山镇", "冶西镇", "娘子关镇")),
        County("140322", 38.086, 113.412, False, ("秀水镇", "孙家庄镇")),
    ),
    # 安丘 (a county-level city; centre ≈ 36.48 N, 119.22 E): its own streets and towns
    "370784": (
        County("370784", 36.478, 119.219, True, ("新安街道", "兴安街道", "凌河街道", "大汶河旅游开发区",
                                                  "景芝镇", "官庄镇")),
    ),
}

# Community stems (社区 in streets, 村 in towns); a street's communities take distinct stems.
COMMUNITY_STEMS = ("东风", "西门", "南街", "北关", "新华", "建设", "和平", "人民", "滨江", "花园", "幸福", "红星",
                   "光明", "朝阳", "民主", "文化", "育才", "桃源", "锦绣", "龙泉", "金桥", "长青", "友谊", "团结",
                   "胜利", "新村", "丰收", "双河", "石门", "白鹤", "青龙", "凤凰", "柏林", "杨柳", "河畔", "望江")
# Recyclers' names: the city's short name, then one of these (the first is the city's supply-and-
# marketing cooperative's company, as most cities have one).
RECYCLER_STEMS = ("供销再生资源有限公司", "绿源再生资源回收有限公司", "城市环境资源循环有限公司")
# How many recyclers each city's demo has (by size: 邵阳 and 攀枝花 three, the others two).
RECYCLERS: dict[str, int] = {"512000": 2, "510400": 3, "430500": 3, "140300": 2, "370784": 2}
# Licence plate prefixes (省简称 + 发牌机关代号) of each city's vehicles.
PLATES: dict[str, str] = {"512000": "川M", "510400": "川D", "430500": "湘E", "140300": "晋C", "370784": "鲁G"}
