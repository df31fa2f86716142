"""Realistic synthetic case books for demos, training and benchmarks.

`fill_demo` writes cases of a Jiangxi township station (码头镇, 瑞昌市): local merchants and
online shops, complainants with Chinese names, valid resident ID numbers and credit codes,
and facts written after the kinds of cases the station really handles (prepaid cards of a
closed beauty salon, fake seeds, travelling health-product sellers, online shops that never
ship, ...). The same seed always gives the same data.

Demo data is a sandbox: its rows are written with the origin 'demo' and marked demo = 1, so
they never reach the outbox and the city office, and the database is marked with the setting
demo_data = 1. A load that was killed is resumed by the next one (store.bulk keeps its state).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from stdnum.cn import ric, uscc

from station_app.case_actions import default_area, promise_minutes
from station_app.classification import bundled_classification
from station_app.demo_history import CaseFacts, apply_history, plan_history
from station_app.domain import CaseKind, Role, Station, StationLevel, User
from station_app.store import Store, bulk
from station_app.store.accounts import (
    find_station,
    initialise_station,
    is_initialised,
    local_station,
)
from station_app.store.holidays import load_calendar
from station_app.store.station_settings import save_acting_settings

DEMO_STATION_CODE = "RC-MT"
DEMO_STATION_NAME = "码头镇消费者投诉站"
DEMO_PARENT_CODE = "RC"
DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo1234"
# Who acts on the demo station's documents: the township office decides, the station mediates.
DEMO_ACTING = {
    "authority.name": "瑞昌市市场监督管理局码头市场监督管理所",
    "authority.prefix": "瑞市监消",
    "mediator.name": "码头镇消费者投诉站",
    "mediator.kind": "station",
    "court.name": "瑞昌市人民法院",
}

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2026, 11, 20)
BATCH_SIZE = 10_000


# --------------------------------------------------------------------------- setup


def ensure_demo_station(store: Store) -> tuple[str, User]:
    """The station code and its administrator, setting up the demo station if needed.

    An empty data folder becomes 码头镇消费者投诉站 (RC-MT, township, parent RC) with the
    administrator "admin", password "demo1234".
    """
    if not is_initialised(store):
        admin = User(
            username=DEMO_ADMIN,
            display_name="管理员",
            role=Role.ADMIN,
            station_code=DEMO_STATION_CODE,
        )
        station = Station(
            code=DEMO_STATION_CODE,
            name=DEMO_STATION_NAME,
            level=StationLevel.TOWNSHIP,
            parent_code=DEMO_PARENT_CODE,
        )
        with store.transaction(actor=DEMO_ADMIN):
            initialise_station(store, station, admin, DEMO_PASSWORD)
            save_acting_settings(store, DEMO_ACTING, actor=DEMO_ADMIN)
        return DEMO_STATION_CODE, admin
    code = local_station(store).code
    admin = bulk.first_admin(store, code)
    if admin is None:
        raise LookupError(f"station {code} has no active administrator")
    return code, admin


# --------------------------------------------------------------------------- helpers


class _Picker:
    """Weighted choice by bisection over cumulative weights (much faster than rng.choices)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.items = [item for item, _w in pairs]
        self.cum = list(accumulate(w for _i, w in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def _weighted(text: str) -> _Picker:
    """A picker from "item:weight item:weight ..." (compact tables of names and numbers)."""
    pairs = (token.rsplit(":", 1) for token in text.split())
    return _Picker([(item, float(weight)) for item, weight in pairs])


def _zipf_picker(items: Sequence, exponent: float = 0.9) -> _Picker:
    return _Picker([(item, 1.0 / (rank + 1) ** exponent) for rank, item in enumerate(items)])


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _yuan(fen: int) -> str:
    return str(fen // 100) if fen % 100 == 0 else f"{fen // 100}.{fen % 100:02d}"


def _uuid7(ms: int, rand74: int) -> str:
    """A UUIDv7 string: 48-bit Unix milliseconds, version 7, 74 random bits, RFC 4122 variant."""
    value = (
        (ms << 80)
        | (0x7 << 76)
        | ((rand74 >> 62) << 64)
        | (0b10 << 62)
        | (rand74 & ((1 << 62) - 1))
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _utc_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------- people

# Common surnames with rough frequencies, adjusted towards northern Jiangxi (刘, 胡, 徐, 熊, 柯...).
_SURNAMES = _weighted(
    "王:60 李:62 张:58 刘:72 陈:62 杨:28 黄:30 赵:16 吴:26 周:20 徐:24 孙:10 马:9 朱:13 胡:26 郭:9 "
    "何:12 高:11 林:9 罗:18 郑:9 梁:7 谢:10 宋:7 唐:7 许:7 韩:4 冯:7 邓:9 曹:9 彭:9 曾:10 肖:9 田:5 董:5 "
    "袁:6 潘:5 于:3 蒋:5 蔡:5 余:8 杜:4 叶:5 程:6 苏:4 魏:4 吕:3 丁:4 任:3 沈:3 姚:3 卢:4 姜:3 钟:4 谭:3 "
    "陆:2 汪:5 范:3 金:3 石:4 廖:4 夏:4 付:3 方:3 邹:4 熊:10 江:4 雷:3 龙:2 陶:3 贺:2 毛:3 龚:3 万:6 严:2 "
    "戴:3 汤:2 柯:8 桂:2 聂:3 涂:4 帅:1 卜:1 闵:1 欧阳:2 段:2 侯:2 邱:3 章:3 乐:1 占:2 阮:1 饶:2 "
)

# Given-name characters by sex and the decade of birth; rural names of each generation.
_GIVEN = {
    ("male", "old"): "根生水金福贵发财林明国华建平德荣春保洪桂炎和清友茂忠元细长松海章文",
    ("male", "mid"): "伟强军勇斌辉波涛峰刚华明杰亮平兵林飞鹏红文俊海超磊东志荣建新永春",
    ("male", "young"): "浩宇轩杰俊涛鹏磊凯晨博鑫帅阳辰然睿泽子梓文明豪天一航宏毅翔",
    ("female", "old"): "秀英兰桂凤珍梅花菊娥莲香金玉翠芳细春冬荷月爱琴",
    ("female", "mid"): "芳娟敏静丽艳霞红燕萍玲琴莉华英慧洁梅琳颖丹云",
    ("female", "young"): "婷欣怡雨涵琪萱雪佳思梦晓诗静悦蕾嘉可紫妍璐瑶",
}
_WHOLE_GIVEN = {
    ("male", "mid"): [
        "建华",
        "志强",
        "志刚",
        "国强",
        "海波",
        "建军",
        "小军",
        "晓东",
        "文斌",
        "永红",
        "红兵",
        "卫东",
        "立新",
        "春林",
        "海军",
        "俊杰",
        "明亮",
        "建平",
        "新华",
        "小平",
    ],
    ("male", "young"): [
        "浩然",
        "宇轩",
        "梓轩",
        "子豪",
        "俊杰",
        "一鸣",
        "天佑",
        "浩宇",
        "子轩",
        "博文",
        "家豪",
        "思远",
        "明轩",
        "嘉俊",
        "志鹏",
        "文杰",
    ],
    ("female", "mid"): [
        "海燕",
        "丽娟",
        "晓梅",
        "秀丽",
        "春燕",
        "红霞",
        "小红",
        "艳红",
        "丽华",
        "玉梅",
        "晓燕",
        "美玲",
        "丽萍",
        "雪梅",
        "金花",
        "小芳",
        "爱华",
        "慧敏",
    ],
    ("female", "young"): [
        "欣怡",
        "雨涵",
        "思琪",
        "梓涵",
        "诗涵",
        "佳怡",
        "雨欣",
        "可欣",
        "紫涵",
        "梦瑶",
        "婷婷",
        "晓雪",
        "佳琪",
        "心怡",
        "思雨",
        "语嫣",
    ],
    ("male", "old"): [
        "根生",
        "水生",
        "金水",
        "细毛",
        "福生",
        "国庆",
        "建国",
        "建华",
        "春生",
        "茂林",
        "桂林",
        "德胜",
        "长根",
        "友根",
        "火生",
        "细根",
        "金龙",
        "国华",
    ],
    ("female", "old"): [
        "秀英",
        "桂兰",
        "桂英",
        "秀兰",
        "凤英",
        "玉兰",
        "金凤",
        "冬梅",
        "菊花",
        "春花",
        "细妹",
        "秀珍",
        "月娥",
        "桂香",
        "爱莲",
        "金莲",
    ],
}


def _generation(birth_year: int) -> str:
    return "old" if birth_year < 1966 else "mid" if birth_year < 1986 else "young"


# Mobile prefixes weighted towards China Mobile, as in rural Jiangxi.
_MOBILE_PREFIXES = _weighted(
    "134:3 135:5 136:5 137:5 138:6 139:7 147:1 150:4 151:4 152:4 157:2 158:5 159:5 "
    "178:2 182:3 183:3 187:4 188:4 198:2 130:2 131:2 132:2 155:2 156:2 166:1 176:2 "
    "185:1 186:2 133:2 153:2 173:1 177:2 180:2 181:2 189:3 191:1 193:1 199:2 195:1 "
    "172:1 "
)

# Towns of 瑞昌市 with the share of people who come to the 码头镇 station from each.
_TOWNS = _weighted(
    "码头镇:55 湓城街道:8 桂林街道:5 白杨镇:4 南阳乡:3 范镇:3 肇陈镇:2 高丰镇:3 峨嵋乡:2 洪一乡:2 花园乡:2 横港镇:3 武蛟乡:2 "
    "夏畈镇:3 南义镇:3 黄金乡:2 乐园乡:2 赛湖农场:1 "
)
_MATOU_VILLAGES = [
    "码头村",
    "沿江村",
    "东港村",
    "西港村",
    "新桥村",
    "幸福村",
    "芳湖村",
    "富民村",
    "马湖村",
    "合港村",
    "大屋村",
    "王家湾村",
    "桂花村",
    "隆兴村",
    "白浪村",
    "城门村",
]
_VILLAGE_A = "东西南北上下新老大小石桥塘湖港山龙凤黄白青杨柳桂花松竹梅枫高田"
_VILLAGE_B = "港塘桥湾山坑岭畈垅咀庄林源田冲铺洲湖坪岗"
_STREETS = [
    "长安路",
    "人民路",
    "湓浦路",
    "建设路",
    "益民路",
    "桂林路",
    "赤乌大道",
    "育才路",
    "西门路",
    "滨江路",
    "城东路",
    "商贸大道",
]
_ESTATES = ["阳光", "锦绣", "滨江", "盛世", "东方", "金色", "翰林", "桂园", "湓城", "书香"]
_MATOU_STREETS = ["码头大道", "沿江路", "新街", "老街", "港口路", "建设路", "集镇路"]

# Region codes of 瑞昌 and its neighbours, valid for the birth year (stdnum checks the county
# existed then): 瑞昌县 was 362622 under 九江地区 until 1983, 360422 until 1989, then 瑞昌市.
_RIC_REGIONS = (
    (1983, _Picker([("362622", 85), ("362621", 8), ("362626", 7)])),
    (1989, _Picker([("360422", 85), ("360421", 8), ("360426", 7)])),
    (9999, _Picker([("360481", 85), ("360421", 4), ("360426", 4), ("360423", 4), ("360402", 3)])),
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _People:
    """Complainants, agents and shopkeepers with consistent sex, birth date and ID number."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.villages: dict[str, list[str]] = {"码头镇": _MATOU_VILLAGES}
        for town in _TOWNS.items:
            if town not in self.villages and not town.endswith(("街道", "农场")):
                names = {rng.choice(_VILLAGE_A) + rng.choice(_VILLAGE_B) + "村" for _ in range(10)}
                self.villages[town] = sorted(names)
        self.repeaters: list[tuple] = []

    def name(self, sex: str, birth_year: int) -> str:
        rng = self.rng
        surname = _SURNAMES(rng)
        generation = _generation(birth_year)
        whole = _WHOLE_GIVEN.get((sex, generation))
        if whole and rng.random() < 0.4:
            return surname + rng.choice(whole)
        chars = _GIVEN[(sex, generation)]
        if len(surname) == 2 or rng.random() < (0.15 if generation == "young" else 0.28):
            return surname + rng.choice(chars)
        first = rng.choice(chars)
        if rng.random() < 0.04:
            return surname + first + first  # 婷婷, 丽丽
        second = rng.choice(chars)
        while second == first:
            second = rng.choice(chars)
        return surname + first + second

    def mobile(self) -> str:
        return _MOBILE_PREFIXES(self.rng) + f"{self.rng.randrange(100_000_000):08d}"

    def phone(self) -> str:
        if self.rng.random() < 0.1:
            return f"0792-{self.rng.choice('4568')}{self.rng.randrange(1_000_000):06d}"
        return self.mobile()

    def village(self, town: str) -> str:
        return self.rng.choice(self.villages[town])

    def address(self) -> str:
        rng = self.rng
        town = _TOWNS(rng)
        if town.endswith("街道"):
            if rng.random() < 0.5:
                return f"瑞昌市{town}{rng.choice(_STREETS)}{rng.randrange(1, 300)}号"
            return (
                f"瑞昌市{town}{rng.choice(_ESTATES)}小区{rng.randrange(1, 30)}栋"
                f"{rng.randrange(1, 5)}单元{rng.randrange(1, 19)}0{rng.randrange(1, 5)}室"
            )
        if town == "赛湖农场":
            return f"瑞昌市赛湖农场{rng.randrange(1, 12)}分场"
        if town == "码头镇" and rng.random() < 0.2:
            return f"瑞昌市码头镇{rng.choice(_MATOU_STREETS)}{rng.randrange(1, 200)}号"
        return f"瑞昌市{town}{self.village(town)}{rng.randrange(1, 13)}组"

    def resident_id(self, sex: str, birth: date) -> str:
        for until, regions in _RIC_REGIONS:
            if birth.year < until:
                region = regions(self.rng)
                break
        seq = (
            self.rng.randrange(0, 500) * 2 + 1 if sex == "male" else self.rng.randrange(1, 500) * 2
        )
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    def person(self, *, elderly: bool = False, with_id: bool = False) -> tuple:
        """(name, gender, phone, address, id_type, id_number)."""
        rng = self.rng
        if self.repeaters and rng.random() < 0.015:
            return rng.choice(self.repeaters)
        sex = "female" if rng.random() < 0.52 else "male"
        if elderly:
            year = rng.randrange(1940, 1962)
        else:
            year = min(2005, max(1940, int(rng.triangular(1940, 2006, 1972))))
        month = rng.randrange(1, 13)
        birth = date(year, month, rng.randrange(1, _DAYS_IN_MONTH[month - 1] + 1))
        name = self.name(sex, year)
        gender = sex if with_id or rng.random() < 0.9 else ""
        if with_id:
            person = (
                name,
                gender,
                self.phone(),
                self.address(),
                "resident_id",
                self.resident_id(sex, birth),
            )
        else:
            person = (name, gender, self.phone(), self.address(), "", "")
        if len(self.repeaters) < 40 and rng.random() < 0.002:
            self.repeaters.append(person)  # people who file again and again
        return person


# --------------------------------------------------------------------------- merchants

_BRAND_A = "鑫华百惠永天家好新金福兴隆盛佳美阳光明富瑞昌利源顺宏达欣悦乐康安恒万嘉润"
_BRAND_B = "源联佳民辉润旺盛达泰丰茂祥和鑫隆兴福发悦美诚信德汇通益昌"

# type: (name suffixes, share of the pool, has a credit code, company (91) rather than 个体 (92))
_MERCHANT_TYPES: dict[str, tuple[tuple[str, ...], float, float, float]] = {
    "supermarket": (("超市", "购物广场", "便民超市", "生活超市"), 10, 0.95, 0.3),
    "appliance": (("家电城", "电器商行", "家电商场", "家电专卖店"), 6, 0.95, 0.5),
    "beauty": (("美容美发店", "美容养生馆", "美发造型店", "美甲美睫店"), 6, 0.8, 0.1),
    "pharmacy": (("大药房", "药店", "医药连锁店"), 4, 0.98, 0.6),
    "agri": (("农资店", "种子门市部", "农资经营部", "化肥农药店"), 6, 0.85, 0.2),
    "driving": (("驾驶培训学校有限公司", "驾校"), 1, 1.0, 1.0),
    "school": (("教育培训学校", "艺术培训中心", "课外辅导中心"), 2, 0.9, 0.7),
    "fitness": (("健身会所", "游泳馆", "瑜伽馆"), 1.5, 0.9, 0.5),
    "restaurant": (("酒楼", "饭店", "农家乐", "大酒店"), 5, 0.85, 0.3),
    "phone_shop": (("通讯器材店", "手机店", "通讯营业厅"), 3, 0.9, 0.2),
    "building": (("建材经营部", "装饰工程有限公司", "瓷砖店", "家具城"), 4, 0.9, 0.5),
    "vehicle": (("电动车行", "汽车销售服务有限公司", "摩托车行"), 2.5, 0.95, 0.5),
    "jewelry": (("金店", "珠宝首饰店"), 1, 1.0, 0.5),
    "travel": (("旅行社有限公司",), 0.5, 1.0, 1.0),
    "courier": (("快递服务部", "快递驿站"), 1.5, 0.8, 0.2),
    "clothing": (("服装店", "鞋业", "童装店"), 4, 0.85, 0.05),
    "liquor": (("烟酒商行", "酒业经营部"), 2, 0.9, 0.2),
    "market_stall": ((), 4, 0.0, 0.0),
    "travelling": ((), 2, 0.0, 0.0),
    "online": ((), 20, 1.0, 0.05),
}
_ONLINE_SUFFIXES = (
    "百货店",
    "日用品店",
    "服饰店",
    "食品店",
    "电子商务商行",
    "母婴用品店",
    "家居店",
)
_PLATFORMS = _Picker([("淘宝", 3), ("拼多多", 4), ("抖音", 3), ("京东", 1), ("快手", 1)])
_TRAVELLING_FIRMS = ("健康科技", "生物科技", "养生文化", "保健品推广中心", "日用品展销会")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 characters and its check character."""
    body = [rng.randrange(10) for _ in range(8)]
    total = sum(d * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return "".join(map(str, body)) + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(rng: random.Random, *, company: bool, region: str = "360481") -> str:
    """A unified social credit code with a valid check character (GB 32100-2015)."""
    if company:
        body = "91" + region + _org_code(rng)
    else:  # 个体工商户: newer codes carry an "MA" serial instead of an organisation code
        body = "92" + region + "MA" + "".join(rng.choice(_USCC_CHARS) for _ in range(7))
    return body + uscc.calc_check_digit(body + "0")


class _Merchant:
    __slots__ = ("id", "name", "kind", "address", "platform", "display", "town")

    def __init__(
        self, id: str, name: str, kind: str, address: str, platform: str, display: str, town: str
    ):
        self.id, self.name, self.kind, self.address = id, name, kind, address
        self.platform, self.display, self.town = platform, display, town


def _brand(rng: random.Random) -> str:
    a = rng.choice(_BRAND_A)
    b = rng.choice(_BRAND_B)
    return a + (b if b != a else "源")


def _make_merchants(
    rng: random.Random,
    people: _People,
    count: int,
    *,
    station_code: str,
    new_id: Callable,
    now_ms: int,
) -> tuple[dict[str, _Picker], list[tuple]]:
    """Pickers of merchants by type (popular ones first) and the rows to insert."""
    by_type: dict[str, list[_Merchant]] = {kind: [] for kind in _MERCHANT_TYPES}
    kinds = _Picker([(kind, spec[1]) for kind, spec in _MERCHANT_TYPES.items()])
    rows = []
    # at least one of each type, then the rest by their shares
    plan = list(_MERCHANT_TYPES) + [kinds(rng) for _ in range(max(0, count - len(_MERCHANT_TYPES)))]
    created = _utc_text(now_ms)
    for kind in plan:
        suffixes, _share, uscc_share, company_share = _MERCHANT_TYPES[kind]
        town = "码头镇" if rng.random() < 0.6 else _TOWNS(rng)
        owner = people.name("male" if rng.random() < 0.6 else "female", rng.randrange(1955, 1995))
        platform = display = url = ""
        cluster = 0
        phone = people.mobile() if rng.random() < 0.6 else f"0792-4{rng.randrange(1_000_000):06d}"
        if kind == "online":
            brand = _brand(rng) + rng.choice("记家坊铺居")
            name = (
                "瑞昌市" + (brand if rng.random() < 0.6 else owner) + rng.choice(_ONLINE_SUFFIXES)
            )
            platform = _PLATFORMS(rng)
            display = brand + rng.choice(("旗舰店", "专营店", "优选", "好物馆", "生活馆", "小店"))
            serial = rng.randrange(10**8, 10**9)
            url = {
                "淘宝": f"https://shop{serial}.taobao.com",
                "拼多多": f"https://mobile.yangkeduo.com/mall_page.html?mall_id={serial}",
                "抖音": f"https://haohuo.jinritemai.com/views/shop/index?id={serial}",
                "京东": f"https://mall.jd.com/index-{serial}.html",
                "快手": f"https://app.kwaixiaodian.com/page/kwaishop-buyer-shop?id={serial}",
            }[platform]
            cluster = 1 if rng.random() < 0.7 else 0
            if cluster:
                address = (
                    f"江西省九江市瑞昌市湓城街道{rng.choice(_STREETS)}{rng.randrange(1, 200)}号"
                    f"电商产业园{rng.randrange(1, 6)}楼{rng.randrange(100, 600)}室（集群注册）"
                )
                phone = ""
            else:
                address = people.address()
            code = make_uscc(rng, company=rng.random() < company_share)
        elif kind == "market_stall":
            market = rng.choice(("码头镇农贸市场", "瑞昌市城区农贸市场", "码头镇集贸市场"))
            name = f"{market}{rng.randrange(1, 120)}号摊位（{owner}）"
            address = market
            code = ""
            phone = people.mobile()
        elif kind == "travelling":
            if town.endswith(("街道", "农场")):
                town = "码头镇"
            name = f"外地流动推销人员（自称“{_brand(rng)}{rng.choice(_TRAVELLING_FIRMS)}”）"
            address = (
                f"瑞昌市{town}{people.village(town) if town in people.villages else ''}临时租用场地"
            )
            code = ""
            phone = people.mobile() if rng.random() < 0.5 else ""
        else:
            place = "瑞昌市" + ("" if town.endswith("街道") else town)
            name = place + _brand(rng) + rng.choice(suffixes)
            if town.endswith("街道"):
                address = f"瑞昌市{town}{rng.choice(_STREETS)}{rng.randrange(1, 300)}号"
            else:
                address = f"瑞昌市{town}{rng.choice(_MATOU_STREETS)}{rng.randrange(1, 200)}号"
            code = (
                make_uscc(rng, company=rng.random() < company_share)
                if rng.random() < uscc_share
                else ""
            )
        merchant_id = new_id(now_ms)
        by_type[kind].append(_Merchant(merchant_id, name, kind, address, platform, display, town))
        rows.append(
            (
                merchant_id,
                name,
                code,
                owner if kind != "travelling" else "",
                address,
                phone,
                platform,
                url,
                cluster,
                station_code,
                created,
                created,
            )
        )
    return {kind: _zipf_picker(items) for kind, items in by_type.items() if items}, rows


# --------------------------------------------------------------------------- the content

_CLASSES = bundled_classification()
_GOODS = frozenset(_CLASSES["goods"])


class _Ctx:
    """What a scenario needs to write its facts: the merchant, dates, amounts, people."""

    __slots__ = ("rng", "m", "purchase", "received", "fen", "names", "people")

    def __init__(self, rng, m, purchase, received, fen, names, people):
        self.rng, self.m, self.purchase, self.received = rng, m, purchase, received
        self.fen, self.names, self.people = fen, names, people


# A complaint scenario: a writer of the facts and request, the categories it may fall under
# (goods or service follows from the category), natures, merchant types, amount range in yuan,
# purchase lag in days (median), how often several consumers complain together, and whether
# the consumers are old people.

_APPLIANCES = (
    ("空调", ("制冷效果差，室内温度降不下来", "外机噪音大", "室内机漏水", "频繁显示故障代码E1")),
    ("冰箱", ("冷藏室不制冷", "压缩机频繁启动、噪音大", "冷冻室结冰严重")),
    ("洗衣机", ("脱水时剧烈抖动", "不能排水", "电脑板烧坏")),
    ("热水器", ("漏水", "打不着火", "加热后出水不热")),
    ("液晶电视", ("黑屏", "屏幕出现竖线", "无法开机")),
    ("油烟机", ("吸力明显变弱", "电机异响")),
    ("电饭煲", ("内胆涂层脱落", "煮饭夹生")),
)
_APPLIANCE_BRANDS = ("格力", "美的", "海尔", "奥克斯", "TCL", "海信", "长虹", "志高", "小天鹅")
_CROPS = (
    ("杂交水稻", ("出苗率不足三成", "抽穗不齐、空壳率高", "稻株高矮不一、成熟期不一致")),
    ("玉米", ("出苗率不足一半", "结穗小、秃尖严重")),
    ("棉花", ("大面积死苗", "开花后结铃少")),
    ("油菜", ("出苗稀疏", "角果少、籽粒不饱满")),
    ("西瓜", ("结出的西瓜个小、不甜", "大量裂瓜")),
    ("花生", ("出苗率低", "空壳多")),
    ("辣椒", ("植株长势弱、大面积死苗", "开花后不坐果")),
)
_HEALTH_PRODUCTS = (
    ("富硒灵芝孢子粉", "能治高血压、糖尿病"),
    ("纳豆激酶胶囊", "能通血管、防中风"),
    ("深海鱼油软胶囊", "吃了可以不用再吃降压药"),
    ("磁疗床垫", "睡上去能治风湿和腰椎病"),
    ("量子能量杯", "喝了杯里的水能防癌"),
    ("远红外理疗仪", "能治各种老年病"),
    ("虫草口服液", "能增强免疫力、治失眠"),
    ("负离子保健枕", "能治颈椎病、失眠"),
)
_ONLINE_ITEMS = (
    ("日用商品类", ("抽纸", "洗衣液", "收纳箱", "电动牙刷", "保温杯", "四件套")),
    ("服装鞋帽类", ("羽绒服", "运动鞋", "连衣裙", "儿童外套", "牛仔裤")),
    ("食品类", ("赣南脐橙", "坚果礼盒", "土蜂蜜", "牛肉干")),
    ("首饰及文体用品类", ("银手镯", "儿童学习桌", "羽毛球拍")),
    ("家用电子电器类", ("蓝牙耳机", "电热毯", "空气炸锅", "充电宝")),
)
_FOODS = ("牛奶", "面包", "火腿肠", "饼干", "方便面", "酸奶", "月饼", "速冻水饺", "食用油", "腊肉")
_FOOD_ISSUES = ("已超过保质期{n}天", "包装内有异物", "已经发霉变质", "有一股哈喇味，已经变质")


def _s_prepaid_beauty(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    paid = c.fen + rng.randrange(0, max(1, c.fen // 2)) // 100 * 100
    closed = c.received - timedelta(days=rng.randrange(1, 40))
    variant = rng.random()
    if variant < 0.5:
        facts = (
            f"{_cn_date(c.purchase)}在{c.m.name}办理会员储值卡一张，充值{_yuan(paid)}元，"
            f"已消费{_yuan(paid - c.fen)}元。{_cn_date(closed)}该店突然关门停业，店主电话无法接通，"
            f"卡内余额{_yuan(c.fen)}元无法使用。"
        )
        request = f"要求商家退还卡内余额{_yuan(c.fen)}元。"
    elif variant < 0.8:
        times = rng.choice((10, 12, 20, 24, 30))
        done = rng.randrange(1, times // 2)
        facts = (
            f"{_cn_date(c.purchase)}经店员多次推销，在{c.m.name}购买美容护理套餐{times}次，付款"
            f"{_yuan(paid)}元，店家只开了收据，没有签订书面合同。做了{done}次后该店转让给他人，"
            "新店主不认可原会员卡。"
        )
        request = rng.choice(
            ("要求退还未消费的护理费用。", "要求由新店主继续提供剩余服务，或退还余款。")
        )
    else:
        facts = (
            f"在{c.m.name}办理的美发充值卡（充值{_yuan(paid)}元），店家以“店面装修”为由停业"
            f"{rng.randrange(2, 7)}个月至今未重新营业，会员微信群已解散，余额{_yuan(c.fen)}元。"
        )
        request = "要求退还卡内余额，并由市场监管部门督促商家履行退款义务。"
    return facts, request


def _s_prepaid_course(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if c.m.kind == "fitness":
        facts = (
            f"{_cn_date(c.purchase)}在{c.m.name}办理年卡，付款{_yuan(c.fen)}元，使用"
            f"{rng.randrange(1, 6)}个月后会所贴出通知称“搬迁升级”，随后停止营业，工作人员全部离开。"
        )
        return facts, "要求按未使用的月数退还会员费。"
    course = rng.choice(("英语", "舞蹈", "美术", "书法", "钢琴", "作文", "奥数", "跆拳道"))
    lessons = rng.choice((48, 60, 72, 96))
    done = rng.randrange(4, lessons // 2)
    reason = rng.choice(("老师离职", "场地到期", "“内部调整”", "疫情影响"))
    facts = (
        f"{_cn_date(c.purchase)}为孩子在{c.m.name}报名{course}课程，一次性预交学费{_yuan(c.fen)}元"
        f"（共{lessons}课时），上课{done}课时后机构以{reason}为由停课，至今未恢复上课。"
    )
    return facts, f"要求按剩余{lessons - done}课时退还学费。"


def _s_seeds(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    crop, problems = rng.choice(_CROPS)
    qty = f"{rng.randrange(2, 60)}斤" if crop != "西瓜" else f"{rng.randrange(2, 20)}包"
    finding = rng.choice(
        (
            "初步判断为种子质量问题",
            "种子包装上没有生产经营许可证编号，疑似假冒品种",
            "所购种子与包装标注的品种不符",
            "同村购买同一批种子的农户都出现了同样问题",
        )
    )
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{crop}种子{qty}，店主称该品种“高产、抗倒伏”。"
        f"种了{rng.randrange(3, 15)}亩，播种后{rng.choice(problems)}。经镇农技站人员现场查看，"
        f"{finding}。"
    )
    return facts, f"要求商家赔偿种子款及减产损失共计{_yuan(c.fen)}元。"


def _s_fertiliser(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    product = rng.choice(("复合肥", "除草剂", "杀虫剂", "叶面肥", "有机肥"))
    crop = rng.choice(("水稻", "棉花", "油菜", "蔬菜", "柑橘"))
    damage = rng.choice(("叶片发黄枯萎", "大面积烧苗", "虫害未见控制", "作物生长停滞"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{product}{rng.randrange(2, 40)}袋，按店主指导用于"
        f"{rng.randrange(2, 20)}亩{crop}，施用后{damage}。"
    )
    return facts, f"要求商家赔偿损失{_yuan(c.fen)}元。"


def _s_appliance(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item, faults = rng.choice(_APPLIANCES)
    brand = rng.choice(_APPLIANCE_BRANDS)
    contact = rng.choice(
        (
            f"多次联系商家，对方称需等厂家售后，至今已{rng.randrange(7, 60)}天仍未解决。",
            f"售后人员上门维修{rng.randrange(2, 4)}次后故障依旧。",
            "商家以“人为损坏”为由拒绝保修。",
            "商家称已过退换期，只同意收费维修。",
        )
    )
    months = max(1, (c.received - c.purchase).days // 30)
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{brand}{item}一台，价格{_yuan(c.fen)}元。使用"
        f"{months}个月后出现{rng.choice(faults)}的问题，{contact}"
    )
    request = rng.choice(
        ("要求更换同型号新机。", "要求退货退款。", "要求商家尽快上门维修并延长保修期。")
    )
    return facts, request


def _s_not_delivered(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item = rng.choice(("壁挂式空调", "柜式空调", "冰箱", "热水器"))
    n = rng.randrange(1, 4)
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}订购{item}{n}台，全额付款{_yuan(c.fen)}元，约定"
        f"{rng.randrange(3, 15)}天内送货安装。商家一直以“货在路上”推脱，半个月后店门紧闭，"
        "店主电话已无法接通。"
    )
    return facts, "要求商家立即送货安装，或全额退还货款。"


def _s_travelling_health(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    product, claim = rng.choice(_HEALTH_PRODUCTS)
    town = c.m.town
    village = c.people.village(town) if town in c.people.villages else "村里"
    facts = (
        f"{_cn_date(c.purchase)}前后，一伙外地人在{town}{village}租用场地开“健康讲座”，每天免费"
        f"发鸡蛋、挂面吸引老人听课，之后推销“{product}”，声称{claim}。{c.names}花费"
        f"{_yuan(c.fen)}元购买了{rng.randrange(2, 12)}盒，服用后没有任何效果，对方已离开本地，"
        "电话无人接听。"
    )
    return facts, f"要求退还货款{_yuan(c.fen)}元。"


def _s_travelling_goods(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item = rng.choice(("电饭煲", "电磁炉", "电热水壶", "按摩器", "取暖器", "不粘锅套装"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.town}赶集时，从流动摊贩（{c.m.name}）处购买{item}，对方称"
        f"“厂家直销、买一送一”，价格{_yuan(c.fen)}元。回家使用{rng.randrange(1, 10)}天就坏了，"
        "产品无厂名厂址、无合格证。"
    )
    return facts, "要求退货退款。"


def _s_online_unshipped(c: _Ctx) -> tuple[str, str, str]:
    rng = c.rng
    category, items = rng.choice(_ONLINE_ITEMS)
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.platform}“{c.m.display}”店铺（经营者为{c.m.name}）购买"
        f"{rng.choice(items)}，付款{_yuan(c.fen)}元。商家承诺48小时内发货，至今已过去"
        f"{max(3, (c.received - c.purchase).days)}天仍未发货，联系客服一直不回复，平台显示店铺"
        "登记地址在瑞昌市。"
    )
    request = rng.choice(("要求商家退款。", f"要求商家退款{_yuan(c.fen)}元并按平台规则赔偿。"))
    return facts, request, category


def _s_online_return(c: _Ctx) -> tuple[str, str, str]:
    rng = c.rng
    category, items = rng.choice(_ONLINE_ITEMS[:2] + _ONLINE_ITEMS[4:])
    issue = rng.choice(("尺码不合适", "颜色与图片差别很大", "做工粗糙", "不想要了"))
    excuse = rng.choice(("“特价商品不退不换”", "“已拆封影响二次销售”", "“超过退货时间”"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.platform}“{c.m.display}”购买{rng.choice(items)}，价格"
        f"{_yuan(c.fen)}元。收货后发现{issue}，在七天内申请无理由退货，商家以{excuse}为由拒绝。"
    )
    return facts, "要求商家按《消费者权益保护法》第二十五条办理退货退款。", category


def _s_online_fake(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item = rng.choice(("运动鞋", "手提包", "香水", "护肤品套装", "蓝牙耳机"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.platform}“{c.m.display}”购买标称品牌{item}，付款"
        f"{_yuan(c.fen)}元。经品牌专柜鉴定为假冒产品，商家拒绝退款。"
    )
    triple = max(500 * 100, c.fen * 3)
    return facts, f"要求退货退款，并按《消费者权益保护法》第五十五条赔偿{_yuan(triple)}元。"


def _s_food(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    issue = rng.choice(_FOOD_ISSUES).format(n=rng.randrange(1, 60))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{rng.choice(_FOODS)}，回家准备食用时发现{issue}。"
    )
    if rng.random() < 0.3:
        facts += "家人食用后出现腹泻症状，到镇卫生院就诊。"
    request = rng.choice(
        (
            "要求商家退款，并按《食品安全法》第一百四十八条赔偿一千元。",
            "要求退还货款并赔礼道歉。",
            "要求商家赔偿医药费，并下架同批次商品。",
        )
    )
    return facts, request


def _s_price(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    more = rng.randrange(1, 40) * 50
    item = rng.choice(("洗发水", "食用油", "大米", "鸡蛋", "猪肉", "白酒", "奶粉"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{item}等商品，货架标价与结账时收取的价格不符，"
        f"共多收{_yuan(more)}元，收银员称“系统还没改价”。"
    )
    return facts, "要求退还多收的差价。"


def _s_weight(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item = rng.choice(("猪肉", "牛肉", "鲜鱼", "虾", "苹果", "大米"))
    weight = rng.randrange(2, 12)
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{item}{weight}斤，付款{_yuan(c.fen)}元，回家用"
        f"市场公平秤复称只有{weight - 1}斤{rng.randrange(1, 9)}两。"
    )
    return facts, "要求商家补足短缺部分，并依法查处缺斤短两行为。"


def _s_pharmacy(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if rng.random() < 0.5:
        drug = rng.choice(("感冒灵颗粒", "降压药", "阿莫西林胶囊", "止咳糖浆"))
        facts = f"{_cn_date(c.purchase)}在{c.m.name}购买{drug}，回家后发现已超过有效期。"
        return facts, "要求退款并赔偿。"
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}买药时，店员推荐一款“特效”保健品，称能治关节痛，"
        f"花费{_yuan(c.fen)}元，事后发现产品只是普通食品，并非药品。"
    )
    return facts, "要求退货退款。"


def _s_driving(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}报名学车，缴纳培训费{_yuan(c.fen)}元，合同约定"
        f"{rng.randrange(3, 7)}个月内安排科目考试。报名后迟迟不安排练车，教练还要求另交“加班费”。"
    )
    return facts, rng.choice(("要求退还培训费。", "要求驾校按合同安排练车和考试。"))


def _s_vehicle(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if c.fen < 20_000 * 100:
        facts = (
            f"{_cn_date(c.purchase)}在{c.m.name}购买电动车一辆，价格{_yuan(c.fen)}元。使用"
            f"{rng.randrange(1, 12)}个月后电池鼓包，充满电只能跑{rng.randrange(8, 20)}公里，商家"
            "称电池不在保修范围。"
        )
        return facts, "要求免费更换电池。"
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买小型轿车一辆，车价{_yuan(c.fen)}元。提车"
        f"{rng.randrange(3, 40)}天后发动机故障灯亮，经多次检修仍未解决。"
    )
    return facts, rng.choice(("要求更换同款新车。", "要求退车退款并赔偿损失。"))


def _s_renovation(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if rng.random() < 0.5:
        facts = (
            f"{_cn_date(c.purchase)}与{c.m.name}签订房屋装修合同，总价{_yuan(c.fen)}元，约定"
            f"{rng.randrange(45, 120)}天完工，现已拖延{rng.randrange(20, 90)}天，卫生间防水不合格导致"
            "楼下渗水。"
        )
        return facts, "要求按合同支付违约金并返工维修。"
    item = rng.choice(("瓷砖", "木地板", "实木家具", "铝合金门窗"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{item}，货款{_yuan(c.fen)}元。送货后发现"
        f"{rng.choice(('有明显色差', '与样品不符', '材质以次充好'))}。"
    )
    return facts, "要求退换货。"


def _s_restaurant(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if rng.random() < 0.5:
        tables = rng.randrange(8, 40)
        facts = (
            f"{_cn_date(c.purchase)}在{c.m.name}办婚宴{tables}桌，共付款{_yuan(c.fen)}元，"
            "实际上菜与合同约定的菜单不符，有几道菜被换成了便宜的菜。"
        )
        return facts, "要求按合同退还差价。"
    facts = f"{_cn_date(c.purchase)}在{c.m.name}就餐，菜里吃出一根铁丝，与店方协商未果。"
    return facts, "要求免单并赔偿。"


def _s_phone(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    if rng.random() < 0.6:
        facts = (
            f"{_cn_date(c.purchase)}在{c.m.name}购买手机一部，价格{_yuan(c.fen)}元，店员称是全新"
            "正品，使用后发现是翻新机，激活日期早于购买日期。"
        )
        return facts, "要求退一赔三。"
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}办理宽带，店员称“免费送手机”，结果每月被扣"
        f"{rng.randrange(50, 200)}元合约费，合约期两年，办理时未说明。"
    )
    return facts, "要求取消合约并退还多扣的费用。"


def _s_jewelry(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    grams = rng.randrange(5, 40)
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买黄金项链一条，标重{grams}克，付款{_yuan(c.fen)}元，"
        f"到其他金店复称只有{grams - 1}.{rng.randrange(1, 9)}克。"
    )
    return facts, "要求商家退还差价或退货。"


def _s_travel(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    dest = rng.choice(("云南", "海南", "桂林", "张家界", "厦门"))
    facts = (
        f"{_cn_date(c.purchase)}参加{c.m.name}组织的“{dest}五日游”，共付团费{_yuan(c.fen)}元，"
        "导游多次把游客带进购物店，不买就甩脸色，行程中两个景点被取消。"
    )
    return facts, "要求退还被取消景点的费用并赔偿。"


def _s_liquor(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买白酒{rng.randrange(2, 12)}瓶用于办酒席，付款"
        f"{_yuan(c.fen)}元，喝后感觉口感不对，经厂家鉴定为假冒产品。"
    )
    return facts, "要求退一赔三。"


def _s_courier(c: _Ctx) -> tuple[str, str]:
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}寄出一个包裹，内有价值{_yuan(c.fen)}元的物品，包裹丢失，"
        "快递点只愿按运费的三倍赔偿。"
    )
    return facts, "要求按物品实际价值赔偿。"


def _s_clothing(c: _Ctx) -> tuple[str, str]:
    rng = c.rng
    item = rng.choice(("皮鞋", "运动鞋", "羽绒服", "棉衣", "西装"))
    issue = rng.choice(("开胶", "起球严重", "钻绒", "掉色", "拉链损坏"))
    facts = (
        f"{_cn_date(c.purchase)}在{c.m.name}购买{item}，价格{_yuan(c.fen)}元，穿了"
        f"{rng.randrange(3, 30)}天就{issue}，商家只同意打折换货。"
    )
    return facts, rng.choice(("要求退货退款。", "要求免费更换。"))


class _Scenario:
    __slots__ = (
        "write",
        "categories",
        "natures",
        "merchants",
        "amount",
        "lag",
        "joint",
        "elderly",
        "cents",
    )

    def __init__(
        self,
        write,
        categories,
        natures,
        merchants,
        amount,
        lag,
        *,
        joint=0.0,
        elderly=False,
        cents=False,
    ):
        self.write = write
        self.categories = categories
        self.natures = _Picker(natures)
        self.merchants = _Picker(merchants)
        self.amount, self.lag, self.joint, self.elderly, self.cents = (
            amount,
            lag,
            joint,
            elderly,
            cents,
        )


_COMPLAINTS = _Picker(
    [
        (
            _Scenario(
                _s_prepaid_beauty,
                ("生活、社会服务类",),
                [("合同", 7), ("价格", 1), ("售后服务", 2)],
                [("beauty", 1)],
                (200, 5000),
                200,
                joint=0.04,
            ),
            7,
        ),
        (
            _Scenario(
                _s_prepaid_course,
                ("教育培训服务", "文化、娱乐、体育服务"),
                [("合同", 8), ("售后服务", 2)],
                [("school", 3), ("fitness", 1)],
                (800, 9000),
                120,
                joint=0.03,
            ),
            3,
        ),
        (
            _Scenario(
                _s_seeds,
                ("农用生产资料类",),
                [("质量", 6), ("假冒", 3), ("虚假宣传", 1)],
                [("agri", 1)],
                (150, 8000),
                110,
                joint=0.03,
            ),
            4,
        ),
        (
            _Scenario(
                _s_fertiliser,
                ("农用生产资料类",),
                [("质量", 6), ("安全", 2), ("虚假宣传", 2)],
                [("agri", 1)],
                (100, 5000),
                60,
            ),
            2,
        ),
        (
            _Scenario(
                _s_appliance,
                ("家用电子电器类",),
                [("质量", 5), ("售后服务", 5)],
                [("appliance", 4), ("online", 1)],
                (300, 8000),
                200,
            ),
            9,
        ),
        (
            _Scenario(
                _s_not_delivered,
                ("家用电子电器类",),
                [("合同", 1)],
                [("appliance", 1)],
                (1800, 15000),
                20,
                joint=0.08,
            ),
            2,
        ),
        (
            _Scenario(
                _s_travelling_health,
                ("医药及医疗用品类", "食品类"),
                [("虚假宣传", 7), ("假冒", 1.5), ("价格", 1.5)],
                [("travelling", 1)],
                (200, 9000),
                15,
                joint=0.06,
                elderly=True,
            ),
            4,
        ),
        (
            _Scenario(
                _s_travelling_goods,
                ("家用电子电器类", "日用商品类"),
                [("质量", 6), ("假冒", 4)],
                [("travelling", 1)],
                (50, 800),
                10,
                joint=0.02,
                elderly=True,
            ),
            2,
        ),
        (
            _Scenario(
                _s_online_unshipped,
                ("日用商品类",),
                [("合同", 7), ("售后服务", 3)],
                [("online", 1)],
                (20, 2000),
                12,
            ),
            7,
        ),
        (
            _Scenario(
                _s_online_return,
                ("服装鞋帽类",),
                [("售后服务", 9), ("合同", 1)],
                [("online", 1)],
                (30, 1500),
                10,
            ),
            4,
        ),
        (
            _Scenario(
                _s_online_fake,
                ("服装鞋帽类", "首饰及文体用品类", "日用商品类"),
                [("假冒", 9), ("虚假宣传", 1)],
                [("online", 1)],
                (100, 3000),
                20,
            ),
            2,
        ),
        (
            _Scenario(
                _s_food,
                ("食品类",),
                [("安全", 6), ("质量", 4)],
                [("supermarket", 5), ("market_stall", 1)],
                (3, 300),
                2,
                cents=True,
            ),
            5,
        ),
        (
            _Scenario(
                _s_price,
                ("日用商品类", "食品类"),
                [("价格", 1)],
                [("supermarket", 1)],
                (20, 500),
                1,
                cents=True,
            ),
            2,
        ),
        (
            _Scenario(
                _s_weight,
                ("食品类",),
                [("计量", 1)],
                [("market_stall", 1)],
                (20, 400),
                1,
                cents=True,
            ),
            2,
        ),
        (
            _Scenario(
                _s_pharmacy,
                ("医药及医疗用品类",),
                [("质量", 4), ("虚假宣传", 4), ("安全", 2)],
                [("pharmacy", 1)],
                (15, 3000),
                10,
                cents=True,
            ),
            2,
        ),
        (
            _Scenario(
                _s_driving,
                ("教育培训服务",),
                [("合同", 8), ("价格", 2)],
                [("driving", 1)],
                (2800, 5500),
                90,
            ),
            2,
        ),
        (
            _Scenario(
                _s_vehicle,
                ("交通工具类",),
                [("质量", 8), ("售后服务", 2)],
                [("vehicle", 1)],
                (1500, 4500),
                180,
            ),
            3,
        ),
        (
            _Scenario(
                _s_renovation,
                ("房屋装修及物业服务", "房屋及建材类"),
                [("质量", 5), ("合同", 5)],
                [("building", 1)],
                (2000, 60000),
                90,
            ),
            2,
        ),
        (
            _Scenario(
                _s_restaurant,
                ("生活、社会服务类",),
                [("合同", 4), ("安全", 4), ("价格", 2)],
                [("restaurant", 1)],
                (100, 30000),
                5,
            ),
            2,
        ),
        (
            _Scenario(
                _s_phone,
                ("家用电子电器类", "电信服务"),
                [("假冒", 4), ("合同", 6)],
                [("phone_shop", 1)],
                (300, 6000),
                60,
            ),
            3,
        ),
        (
            _Scenario(
                _s_jewelry,
                ("首饰及文体用品类",),
                [("计量", 6), ("假冒", 4)],
                [("jewelry", 1)],
                (1500, 20000),
                30,
            ),
            1,
        ),
        (
            _Scenario(
                _s_travel,
                ("旅游服务",),
                [("合同", 6), ("人格尊严", 2), ("价格", 2)],
                [("travel", 1)],
                (800, 6000),
                20,
                joint=0.1,
            ),
            1,
        ),
        (
            _Scenario(
                _s_liquor, ("烟、酒和饮料类",), [("假冒", 1)], [("liquor", 1)], (200, 6000), 20
            ),
            1,
        ),
        (
            _Scenario(
                _s_courier, ("邮政业服务",), [("售后服务", 1)], [("courier", 1)], (50, 3000), 7
            ),
            1,
        ),
        (
            _Scenario(
                _s_clothing,
                ("服装鞋帽类",),
                [("质量", 8), ("售后服务", 2)],
                [("clothing", 1)],
                (60, 1500),
                20,
            ),
            2,
        ),
    ]
)

# Reports: (text with {m}, nature, merchant types, category)
_REPORTS = _Picker(
    [
        (
            (
                "举报{m}销售过期食品，货架上多批次{food}已超过保质期仍在销售。",
                "安全",
                ("supermarket",),
                "食品类",
            ),
            6,
        ),
        (
            (
                "举报{m}无营业执照经营，店内销售的{food}没有任何标签。",
                "其他",
                ("market_stall", "supermarket"),
                "食品类",
            ),
            2,
        ),
        (
            (
                "举报{m}在微信朋友圈发布广告，宣称其销售的保健品“包治百病”，涉嫌虚假宣传。",
                "虚假宣传",
                ("pharmacy", "beauty"),
                "医药及医疗用品类",
            ),
            3,
        ),
        (
            (
                "举报{m}销售假冒注册商标的{item}。",
                "假冒",
                ("clothing", "liquor", "online"),
                "服装鞋帽类",
            ),
            3,
        ),
        (
            (
                "举报{m}先提价后打折，标价签上的“原价”从未实际销售过，涉嫌价格欺诈。",
                "价格",
                ("supermarket", "appliance", "clothing"),
                "日用商品类",
            ),
            2,
        ),
        (
            (
                "举报{m}使用的电子秤被动过手脚，每斤少七八两，多名顾客都有反映。",
                "计量",
                ("market_stall",),
                "食品类",
            ),
            2,
        ),
        (
            (
                "举报集群注册网店{m}：在{platform}销售无厂名厂址的三无产品，登记地址联系不到经营者。",
                "其他",
                ("online",),
                "日用商品类",
            ),
            5,
        ),
        (
            (
                "举报有人在{village}以免费送鸡蛋、送礼品为名召集老人开会推销保健品，涉嫌虚假宣传。",
                "虚假宣传",
                ("travelling",),
                "医药及医疗用品类",
            ),
            2,
        ),
        (
            (
                "举报{m}销售的复合肥养分含量明显不足，疑似不合格农资。",
                "质量",
                ("agri",),
                "农用生产资料类",
            ),
            2,
        ),
        (
            (
                "举报{m}没有执业药师在岗，不凭处方销售处方药。",
                "安全",
                ("pharmacy",),
                "医药及医疗用品类",
            ),
            1,
        ),
        (("举报{m}后厨卫生条件差，使用过期食材。", "安全", ("restaurant",), "生活、社会服务类"), 2),
        (
            (
                "举报{m}办理预付卡时不签书面合同，近期有关门跑路迹象。",
                "合同",
                ("beauty", "fitness"),
                "生活、社会服务类",
            ),
            2,
        ),
    ]
)
_REPORT_REQUESTS = ("要求依法查处。", "请市场监管部门调查处理。", "要求查处，并对举报人信息保密。")
_REPORT_ITEMS = {
    "运动鞋": "服装鞋帽类",
    "羽绒服": "服装鞋帽类",
    "白酒": "烟、酒和饮料类",
    "香烟": "烟、酒和饮料类",
    "洗发水": "日用商品类",
}

# Consultations: (question, answer, category or "")
_CONSULTATIONS = _Picker(
    [
        (
            (
                "在美容店办理的预付卡，店铺转让后新老板不认，该怎么办？",
                "可以要求原经营者退还余额，保留好充值凭证，必要时向消保委投诉",
                "生活、社会服务类",
            ),
            6,
        ),
        (
            (
                "网购商品怎样才能七天无理由退货？",
                "《消费者权益保护法》第二十五条的规定及不适用的商品",
                "互联网服务",
            ),
            5,
        ),
        (
            (
                "买到过期食品能不能要求十倍赔偿？",
                "《食品安全法》第一百四十八条的规定，并提醒保留购物小票",
                "食品类",
            ),
            4,
        ),
        (
            (
                "家电保修期内坏了，商家让自己找厂家，合理吗？",
                "三包规定，销售者应当负责修理、更换或退货",
                "家用电子电器类",
            ),
            4,
        ),
        (
            (
                "村里来了推销保健品的，怎么辨别真假？",
                "查看“蓝帽子”标志和批准文号，保健品不能代替药物",
                "医药及医疗用品类",
            ),
            3,
        ),
        (
            (
                "装修合同纠纷能不能找消保委？",
                "可以申请调解，也可以向人民法院起诉",
                "房屋装修及物业服务",
            ),
            2,
        ),
        (("投诉需要准备哪些材料？", "需提供身份信息、联系方式、购物凭证和被投诉方信息", ""), 4),
        (
            (
                "驾校中途退学，学费怎么退？",
                "按合同约定的退费标准，未约定的可申请调解",
                "教育培训服务",
            ),
            2,
        ),
        (
            (
                "网店注册地在瑞昌，联系不上商家怎么办？",
                "可通过平台投诉，并向我站提供订单信息以便核查",
                "互联网服务",
            ),
            3,
        ),
        (
            (
                "种子出苗率低，怎么申请田间鉴定？",
                "及时联系农业农村部门组织田间现场鉴定，保留种子包装和发票",
                "农用生产资料类",
            ),
            2,
        ),
        (
            (
                "物业费上涨合理吗？",
                "物业收费问题属住建部门管理，已告知向其反映",
                "房屋装修及物业服务",
            ),
            1,
        ),
        (
            (
                "手机合约到期了还在扣费怎么办？",
                "联系运营商核实合约期限，可向通信管理部门申诉",
                "电信服务",
            ),
            1,
        ),
    ]
)

# Kind and channel, after the seed figures (per 1,750: phone 1,120, reports 380, letters and
# visits 106, 12345 transfers 148).
_KINDS = _Picker([("complaint", 60), ("report", 22), ("consultation", 18)])
_CHANNELS = {
    "complaint": _Picker(
        [
            ("phone", 70),
            ("walk_in", 7),
            ("letter", 1.5),
            ("platform_12315", 10),
            ("transfer_12345", 10.5),
            ("other", 1),
        ]
    ),
    "report": _Picker(
        [
            ("phone", 40),
            ("platform_12315", 35),
            ("transfer_12345", 8),
            ("letter", 9),
            ("walk_in", 7),
            ("other", 1),
        ]
    ),
    "consultation": _Picker([("phone", 86), ("walk_in", 8), ("transfer_12345", 5), ("other", 1)]),
}
_ID_SHARE = {
    "walk_in": 0.75,
    "letter": 0.6,
    "platform_12315": 0.5,
    "phone": 0.2,
    "transfer_12345": 0.15,
    "other": 0.3,
}
_FACTS_PREFIX = {
    "walk_in": "来访人称：",
    "letter": "来信反映：",
    "platform_12315": "（12315平台）",
    "phone": "",
    "transfer_12345": "",
    "other": "",
}


# --------------------------------------------------------------------------- time axis

_SPRING_FESTIVAL = {
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
}
_EPOCH = date(1970, 1, 1)


class _Timeline:
    """Maps a quantile in [0, 1) to a receipt time, monotonically: fewer cases at weekends and
    at the Spring Festival, more around 15 March, slowly growing year by year."""

    def __init__(self, first: date, last: date):
        self.days: list[date] = []
        weights = []
        d = first
        while d <= last:
            w = 1.0 + 0.12 * (d.year - first.year)
            w *= (1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.3)[d.weekday()]
            if d.month == 3 and d.day <= 20:
                w *= 1.6
            festival = _SPRING_FESTIVAL.get(d.year)
            if festival and -3 <= (d - festival).days <= 6:
                w *= 0.25
            if d.month == 11 and d.day >= 12:
                w *= 1.15  # after the 11 November online sales
            self.days.append(d)
            weights.append(w)
            d += timedelta(days=1)
        self.cum = list(accumulate(weights))
        self.weights = weights
        self.total = self.cum[-1]
        self.texts = [d.isoformat() for d in self.days]
        self.base_ms = [((d - _EPOCH).days * 86400 - 8 * 3600) * 1000 for d in self.days]

    def at(self, q: float) -> tuple[int, int]:
        """(day index, minute of the day) at quantile q."""
        pos = q * self.total
        index = min(bisect_right(self.cum, pos), len(self.days) - 1)
        start = self.cum[index] - self.weights[index]
        slot = int((pos - start) / self.weights[index] * 600)
        slot = min(max(slot, 0), 599)
        # 600 slots: 08:00-12:00, 14:00-18:00, 18:00-20:00 (evening calls and transfers)
        minute = 8 * 60 + slot if slot < 240 else 14 * 60 + (slot - 240)
        return index, minute


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, seed: int, station_code: str, id_salt: str, created_by: str):
        self.rng = random.Random(seed)
        self.id_rng = random.Random(f"ids:{seed}:{station_code}:{id_salt}")
        self.station = station_code
        self.created_by = created_by
        self.people = _People(self.rng)
        self.timeline = _Timeline(FIRST_DAY, LAST_DAY)
        self.merchants: dict[str, _Picker] = {}
        self.history: _Histories | None = None

    def new_id(self, ms: int) -> str:
        return _uuid7(ms, self.id_rng.getrandbits(74))

    def make_merchants(self, count: int) -> list[tuple]:
        self.merchants, rows = _make_merchants(
            self.rng,
            self.people,
            count,
            station_code=self.station,
            new_id=self.new_id,
            now_ms=self.timeline.base_ms[0],
        )
        return rows

    def amount(self, scenario: _Scenario) -> int:
        rng = self.rng
        low, high = scenario.amount
        yuan = low * (high / low) ** rng.random()
        if rng.random() < 0.03:
            yuan *= rng.uniform(2, 12)  # the long tail
        if scenario.cents:
            return max(1, int(yuan * 10)) * 10  # prices like 12.80
        if yuan >= 1000:
            return int(yuan / 100) * 100 * 100 if rng.random() < 0.6 else int(yuan) * 100
        return max(1, int(yuan)) * 100

    def purchase(self, received: date, scenario: _Scenario) -> date:
        lag = int(self.rng.lognormvariate(0, 0.8) * scenario.lag)
        if self.rng.random() < 0.01:
            lag = self.rng.randrange(3 * 365, 4 * 365)  # past the limitation period
        return received - timedelta(days=min(lag, 5 * 365))

    def case(
        self, index: int, total: int, seq_by_year: dict[int, int]
    ) -> tuple[tuple, list[tuple]]:
        rng = self.rng
        timeline = self.timeline
        day, minute = timeline.at((index + rng.random()) / total)
        received_day = timeline.days[day]
        received_text = f"{timeline.texts[day]} {minute // 60:02d}:{minute % 60:02d}"
        ms = timeline.base_ms[day] + minute * 60_000 + rng.randrange(60_000)
        created = _utc_text(ms + rng.randrange(60_000, 900_000))
        year = received_day.year
        seq = seq_by_year.get(year, 0) + 1
        seq_by_year[year] = seq
        case_no = f"{self.station}-{year:04d}-{seq:05d}"

        kind = _KINDS(rng)
        channel = _CHANNELS[kind](rng)
        with_id = rng.random() < _ID_SHARE[channel] * (1.2 if kind == "complaint" else 0.5)
        work_order_no, work_order_due = "", None
        if channel == "transfer_12345":
            work_order_no = f"JJ12345-{received_day:%Y%m%d}-{rng.randrange(1, 3000):05d}"
            work_order_due = (received_day + timedelta(days=rng.choice((5, 7, 10, 15)))).isoformat()

        merchant = None
        amount = purchase_date = None
        category = nature = place = ""
        gs = None
        consent = (0, 0, 0)
        anonymous = 0
        elderly = False
        joint = 1
        if kind == "complaint":
            scenario: _Scenario = _COMPLAINTS(rng)
            merchant = self.merchants[scenario.merchants(rng)](rng)
            elderly = scenario.elderly
            if scenario.joint and rng.random() < scenario.joint:
                joint = rng.choice((2, 2, 3, 3, 4, 5, 6, 8, 12))
            amount = self.amount(scenario)
            purchase = self.purchase(received_day, scenario)
            purchase_date = purchase.isoformat()
            category = rng.choice(scenario.categories)
            nature = scenario.natures(rng)
            place = f"{merchant.platform}网店" if merchant.platform else merchant.address
            consent = (int(rng.random() < 0.3), int(rng.random() < 0.93), int(rng.random() < 0.75))
        people = [self.people.person(elderly=elderly, with_id=with_id) for _ in range(joint)]
        names = people[0][0] if joint == 1 else f"{people[0][0]}等{joint}人"
        if kind == "complaint":
            ctx = _Ctx(rng, merchant, purchase, received_day, amount, names, self.people)
            written = scenario.write(ctx)
            facts, request = written[0], written[1]
            if len(written) > 2:
                category = written[2]
            if joint > 1:
                facts = f"{names}联名投诉：{facts}"
        elif kind == "report":
            text, nature, merchant_kinds, category = _REPORTS(rng)
            merchant = self.merchants[rng.choice(merchant_kinds)](rng)
            town = merchant.town
            village = self.people.village(town) if town in self.people.villages else ""
            item = rng.choice(list(_REPORT_ITEMS)) if "{item}" in text else ""
            if item:
                category = _REPORT_ITEMS[item]
            facts = text.format(
                m=merchant.name,
                food=rng.choice(_FOODS),
                item=item,
                platform=merchant.platform or "网络平台",
                village=f"{town}{village}",
            )
            request = rng.choice(_REPORT_REQUESTS)
            anonymous = int(rng.random() < 0.25)
            if rng.random() < 0.2:
                amount = self.amount(_REPORT_AMOUNT)
        else:
            question, answer, category = _CONSULTATIONS(rng)
            facts = f"咨询：{question}工作人员已告知{answer}。"
            request = ""
        gs = None if not category else "goods" if category in _GOODS else "service"
        facts = _FACTS_PREFIX[channel] + facts
        if channel == "transfer_12345":
            facts = f"12345热线转办（工单号{work_order_no}）：{facts}"

        case_id = self.new_id(ms)
        station = self.station
        row = (
            case_id,
            case_no,
            kind,
            channel,
            "registered",
            received_text,
            work_order_no,
            work_order_due,
            merchant.id if merchant else None,
            merchant.name if merchant else "",
            gs,
            category,
            nature,
            purchase_date,
            place,
            amount,
            request,
            facts,
            *consent,
            anonymous,
            self.created_by,
            station,
            created,
            created,
            *_NO_WORKFLOW,
        )
        parties = []
        for position, (name, gender, phone, address, id_type, id_number) in enumerate(people):
            if kind == "report" and anonymous and rng.random() < 0.5:
                phone = ""
            parties.append(
                (
                    self.new_id(ms),
                    case_id,
                    "complainant",
                    position,
                    name,
                    gender,
                    phone,
                    address,
                    id_type,
                    id_number,
                    station,
                    created,
                    created,
                )
            )
        if kind == "complaint" and (elderly or rng.random() < 0.02) and rng.random() < 0.15:
            name, gender, phone, address, id_type, id_number = self.people.person(with_id=True)
            parties.append(
                (
                    self.new_id(ms),
                    case_id,
                    "agent",
                    0,
                    name,
                    gender,
                    phone,
                    address,
                    id_type,
                    id_number,
                    station,
                    created,
                    created,
                )
            )
        if self.history is not None:
            facts_of_case = CaseFacts(
                case_no=case_no,
                kind=CaseKind(kind),
                channel=channel,
                received=datetime.fromisoformat(received_text),
                purchase=purchase if kind == "complaint" else None,
                amount_fen=amount,
                consent_mediation=bool(consent[1]),
                consent_entrusted=bool(consent[2]),
                anonymous=bool(anonymous),
                has_phone=bool(parties[0][6]),
                complainants=joint,
                owner_station=station,
                parent_station=self.history.parent_station,
            )
            row, parties = self.history.add(row, parties, facts_of_case)
        return row, parties


# The workflow columns of a case that is only registered (bulk.CASE_COLUMNS).
_NO_WORKFLOW = (None, None, None, None, None, None, 0, None)
_CASE_INDEX = {name: n for n, name in enumerate(bulk.CASE_COLUMNS)}
_PARTY_OWNER = bulk.PARTY_COLUMNS.index("owner_station")


class _Histories:
    """The workflow history of each generated case (demo_history), as rows for the bulk load."""

    def __init__(
        self,
        seed: str,
        calendar,
        parent_station: str | None,
        actor: str,
        promise: int,
        station_code: str,
        area: str,
    ):
        self.seed = seed
        self.calendar = calendar
        self.parent_station = parent_station
        self.actor = actor
        self.promise = promise
        self.area = area
        self.station = station_code
        self.ids = random.Random(f"history-ids:{seed}")
        self.id_ms = 0
        self.batch = bulk.HistoryBatch()

    def new_id(self) -> str:
        return _uuid7(self.id_ms, self.ids.getrandbits(74))

    def add(self, row: tuple, parties: list[tuple], facts: CaseFacts) -> tuple[tuple, list[tuple]]:
        steps = plan_history(facts, self.calendar, self.seed)
        if not steps:
            return row, parties
        self.id_ms = _local_ms(facts.received.strftime("%Y-%m-%d %H:%M"))
        written = apply_history(
            facts,
            steps,
            actor=self.actor,
            role=Role.ADMIN,
            station_code=self.station,
            promise=self.promise,
            area=self.area,
            new_id=self.new_id,
        )
        case_id = row[0]
        values = list(row)
        for name, value in written.case_changes.items():
            values[_CASE_INDEX[name]] = value
        owner = values[_CASE_INDEX["owner_station"]]
        if owner != self.station:
            # escalated: the case's own rows go with it (case_events.move_case_rows)
            parties = [(*p[:_PARTY_OWNER], owner, *p[_PARTY_OWNER + 1 :]) for p in parties]
        last_ms = 0
        for event in written.events:
            ms = max(last_ms + 1, _local_ms(event["occurred_at"]))
            last_ms = ms
            stamp = _utc_text(ms)
            event["stamp"] = stamp
            self.batch.events.append(
                (
                    self.new_id(),
                    case_id,
                    event["action"],
                    event["from_status"],
                    event["to_status"],
                    event["occurred_at"],
                    self.actor,
                    Role.ADMIN.value,
                    event["note"],
                    event["details"],
                    event["owner_station"],
                    stamp,
                    stamp,
                )
            )
        stamp = _utc_text(last_ms)
        for session in written.sessions:
            self.batch.sessions.append(
                tuple(
                    {
                        **session,
                        "case_id": case_id,
                        "owner_station": self.station,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }[c]
                    for c in bulk.SESSION_COLUMNS
                )
            )
        if written.agreement is not None:
            self.batch.agreements.append(
                tuple(
                    {
                        **written.agreement,
                        "case_id": case_id,
                        "owner_station": owner,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }[c]
                    for c in bulk.AGREEMENT_COLUMNS
                )
            )
        for visit in written.follow_ups:
            self.batch.follow_ups.append(
                tuple(
                    {
                        **visit,
                        "case_id": case_id,
                        "owner_station": self.station,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }[c]
                    for c in bulk.FOLLOW_UP_COLUMNS
                )
            )
        values[_CASE_INDEX["updated_at"]] = stamp
        return tuple(values), parties

    def take(self) -> bulk.HistoryBatch:
        batch, self.batch = self.batch, bulk.HistoryBatch()
        return batch


def _local_ms(moment: str) -> int:
    """Unix milliseconds of a local (China, UTC+8) "YYYY-MM-DD[ HH:MM]"."""
    if len(moment) == 10:
        moment += " 12:00"
    when = datetime.fromisoformat(moment)
    return int((when - datetime(1970, 1, 1)).total_seconds() * 1000) - 8 * 3600 * 1000


_REPORT_AMOUNT = _Scenario(None, ("",), [("其他", 1)], [("online", 1)], (10, 3000), 10)


def _check_classification() -> None:
    """Every category and nature used here must exist in the bundled classification."""
    known = set(_CLASSES["goods"]) | set(_CLASSES["services"]) | {""}
    natures = set(_CLASSES["natures"])
    for scenario in _COMPLAINTS.items:
        assert set(scenario.categories) <= known, scenario.categories
        assert set(scenario.natures.items) <= natures, scenario.natures.items
    for _text, nature, _kinds, category in _REPORTS.items:
        assert category in known and nature in natures, (category, nature)
    for _q, _a, category in _CONSULTATIONS.items:
        assert category in known, category


_check_classification()


def fill_demo(
    store: Store,
    *,
    cases: int,
    station_code: str,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    created_by: str = DEMO_ADMIN,
    histories: bool = True,
) -> int:
    """Add `cases` synthetic cases of `station_code`; returns how many were added.

    Numbers continue the station's counters exactly as intake would make them, the cases are
    searchable, and nothing reaches the outbox. Refuses a database that holds real cases.
    If an earlier load was interrupted (the process killed), that load is finished instead,
    exactly as it would have been, and the arguments of this call are not used.
    """
    with bulk.demo_load(store):
        plan = bulk.unfinished_demo_load(store)
        if plan is None:
            if cases <= 0:
                return 0
            counters = bulk.case_counters(store, station_code)
            plan = {
                "cases": cases,
                "seed": seed,
                "station": station_code,
                "created_by": created_by,
                "salt": f"{bulk.live_case_count(store)}:{sorted(counters.items())}",
                "counters": {str(year): seq for year, seq in counters.items()},
                "merchants_saved": False,
                "done": 0,
                "histories": histories,
            }
        added = _load(store, plan, progress)
        if plan.get("histories"):
            from station_app.demo_registry import add_demo_registry_work

            add_demo_registry_work(
                store, station_code=plan["station"], seed=plan["seed"], actor=plan["created_by"]
            )
        bulk.checkpoint(store)
    return added


def _load(store: Store, plan: dict, progress: Callable[[int], None] | None) -> int:
    """Write the cases of `plan` from plan["done"] on; the generator is replayed up to there,
    so a resumed load writes exactly what the uninterrupted one would have."""
    total = plan["cases"]
    counters = {int(year): seq for year, seq in plan["counters"].items()}
    generator = _Generator(plan["seed"], plan["station"], plan["salt"], plan["created_by"])
    if plan.get("histories"):
        station = find_station(store, plan["station"])
        area = default_area(store, plan["station"])  # where its scenes are: the promise's place
        generator.history = _Histories(
            history_seed(plan["seed"], plan["salt"]),
            load_calendar(store),
            station.parent_code if station else None,
            plan["created_by"],
            promise_minutes(store, area),
            plan["station"],
            area.value,
        )
    merchants = generator.make_merchants(min(20_000, max(60, total // 25)))
    if not plan["merchants_saved"]:
        plan["merchants_saved"] = True
        bulk.insert_merchants(store, merchants, load_state=plan)
    start = done = plan["done"]
    for index in range(done):
        generator.case(index, total, counters)
    if generator.history is not None:
        generator.history.take()  # written before the interruption
    while done < total:
        size = min(BATCH_SIZE, total - done)
        rows, parties = [], []
        for index in range(done, done + size):
            row, people = generator.case(index, total, counters)
            rows.append(row)
            parties.extend(people)
        done += size
        plan["done"] = done
        bulk.insert_case_batch(
            store,
            rows,
            parties,
            station_code=plan["station"],
            counters=dict(counters),
            load_state=plan if done < total else None,
            history=generator.history.take() if generator.history is not None else None,
        )
        if progress is not None:
            progress(done)
    return done - start


def history_seed(seed: int, salt: str) -> str:
    """The seed of the demo histories of a load (plan seed and salt)."""
    return f"{seed}:{salt}"
