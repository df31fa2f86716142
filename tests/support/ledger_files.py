"""Excel ledgers (台账) as stations keep them, for the ledger-import tests and benchmark."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

# Title row, a merged group heading row, then the headings (row 3).
TITLE = "2021年茅台镇消费者投诉台账"
GROUPS = ["", "", "投诉人", "", "被投诉人", "", "", "", "", "", ""]
HEADINGS = [
    "序号",
    "登记日期",
    "姓名",
    "联系电话",
    "名称",
    "地址",
    "投诉内容",
    "涉案金额",
    "处理结果",
    "办结日期",
    "挽回损失",
]


def write_messy_ledger(path: Path, rows: list[list], *, sheet: str = "2021年") -> Path:
    """A ledger with a title merged over the columns, a group heading row with merged cells
    (投诉人 over 姓名/联系电话, 被投诉人 over 名称/地址), the headings, and `rows` (None for a
    blank row) from row 4 on."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    ws.append(GROUPS)
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:F2")
    ws.append(HEADINGS)
    for values in rows:
        ws.append([] if values is None else values)
    workbook.create_sheet("说明").append(["本表由站长填写"])
    workbook.save(path)
    return path


def messy_rows() -> list[list]:
    """Rows in the forms stations type: every date form, amounts with 元 and commas, statuses
    in words, blank rows between."""
    return [
        [
            1,
            "2021.3.5",
            "张三",
            "13812346721",
            "茅台镇好又多超市",
            "新街1号",
            "买到过期牛奶",
            "35元",
            "调解成功",
            "2021.3.9",
            "35元",
        ],
        [
            2,
            "2021年3月8日",
            "李四",
            "13900001111",
            "茅台镇家电城",
            "中街8号",
            "冰箱不制冷",
            "1,299.50",
            "调解不成",
            "2021年3月20日",
            None,
        ],
        None,
        [
            3,
            datetime(2021, 4, 2, 10, 30),
            "王五",
            "",
            "茅台镇好又多超市",
            "新街1号",
            "价格欺诈",
            88,
            "不予受理",
            "2021/4/6",
            None,
        ],
        [
            4,
            44300,
            "赵六",
            "13600002222",
            "小王理发店",
            "",
            "预付卡老板跑路",
            "3000",
            "处理中",
            None,
            None,
        ],
        None,
        None,
        [
            5,
            "2021/5/6",
            "钱七",
            "",
            "茅台镇家电城",
            "中街8号",
            "电视机屏幕坏",
            "2,000元",
            "已办结",
            "2021-05-20",
            "1,500元",
        ],
        [
            6,
            "2021-06-01",
            "孙八",
            "",
            "镇东饭店",
            "东街3号",
            "菜里有异物",
            None,
            "撤诉",
            "2021-06-03",
            None,
        ],
    ]


def write_large_ledger(path: Path, count: int, *, seed: int = 7) -> Path:
    """A plain ledger of `count` rows (headings in row 1), written in openpyxl's write-only mode."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("台账")
    ws.append(
        [
            "编号",
            "登记日期",
            "投诉人",
            "联系电话",
            "被投诉人",
            "投诉事由",
            "涉案金额",
            "办理情况",
            "办结日期",
            "挽回损失",
        ]
    )
    statuses = ("调解成功", "调解成功", "调解不成", "不予受理", "撤诉", "处理中")
    merchants = [f"茅台镇第{n}商店" for n in range(400)]
    start = date(2016, 1, 1)
    for n in range(count):
        received = start + timedelta(days=rng.randrange(3600))
        status = statuses[rng.randrange(len(statuses))]
        closed = received + timedelta(days=rng.randint(1, 30)) if status != "处理中" else None
        amount = rng.randint(10, 5000)
        forms = (
            received.isoformat(),
            f"{received.year}.{received.month}.{received.day}",
            f"{received.year}年{received.month}月{received.day}日",
        )
        ws.append(
            [
                f"TZ-{n + 1:06d}",
                forms[n % 3],
                f"消费者{n % 997}",
                f"138{n % 100000000:08d}",
                merchants[rng.randrange(len(merchants))],
                "商品质量问题，要求退货",
                f"{amount:,}元",
                status,
                closed.isoformat() if closed else None,
                f"{amount}元" if status == "调解成功" else None,
            ]
        )
    workbook.save(path)
    return path
