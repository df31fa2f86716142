"""The demo's registry and supervision work, so that the merchants window, the abnormal-list
proposals and the supervision records are not empty: a few designations (消费维权示范店,
文明诚信经营户), cluster-registered online shops on the abnormal list, attempts to reach
online shops in their cases (mostly unreachable at a cluster address), and a year or more of
surveys, secret-shopper visits and product sampling. Added once per demo database, after its
cases, in one transaction; the same seed gives the same records (their ids aside)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

from station_app.domain import (
    CaseStatus,
    ContactResult,
    ContactWay,
    Role,
    SupervisionKind,
    SupervisionResult,
)
from station_app.ids import new_id
from station_app.store import Store, bulk
from station_app.workflow import ANY_OPEN, FINISHED

DESIGNATED_SHARE = 0.06  # of the shops and service firms
LISTED_SHARE = 0.2  # of the cluster-registered online shops
CONTACTED_SHARE = 0.8  # of the cases against online shops
SUPERVISION_PER_MONTH = 5

_SUBJECTS = {
    SupervisionKind.SURVEY: ("农贸市场消费环境", "商超服务", "校园周边小卖部", "景区餐饮服务"),
    SupervisionKind.SECRET_VISIT: ("明码标价", "七日无理由退货承诺", "预付卡经营", "计量器具"),
    SupervisionKind.SAMPLING: ("散装白酒", "食用植物油", "儿童服装", "电动自行车头盔", "复合肥"),
}
_FINDINGS = {
    SupervisionResult.PASSED: ("未发现问题", "经营规范，票据齐全", "检验结果符合标准要求"),
    SupervisionResult.FAILED: (
        "部分商品未明码标价",
        "标签标注的含量与实测不符",
        "未按承诺办理退货",
        "计量器具未按期检定",
    ),
    SupervisionResult.PENDING: ("样品已送检，等待检验报告",),
}
_FOLLOW_UP = {
    SupervisionResult.PASSED: "",
    SupervisionResult.FAILED: ("已责令限期整改", "已移交执法部门处理", "已约谈经营者"),
    SupervisionResult.PENDING: "检验报告出具后告知",
}
_RESULTS = {
    SupervisionKind.SURVEY: ((SupervisionResult.PASSED, 0.9), (SupervisionResult.FAILED, 0.1)),
    SupervisionKind.SECRET_VISIT: (
        (SupervisionResult.PASSED, 0.8),
        (SupervisionResult.FAILED, 0.2),
    ),
    SupervisionKind.SAMPLING: (
        (SupervisionResult.PASSED, 0.86),
        (SupervisionResult.FAILED, 0.09),
        (SupervisionResult.PENDING, 0.05),
    ),
}
# attempts to reach the business while the case is being handled (not once decided)
_OPEN = {status.value for status in ANY_OPEN - FINISHED}


def _choice(rng: random.Random, pairs) -> object:  # noqa: ANN001
    point, total = rng.random(), 0.0
    for value, share in pairs:
        total += share
        if point < total:
            return value
    return pairs[-1][0]


def _stamp(moment: datetime) -> str:
    """A local (UTC+8) time as the UTC text of created_at."""
    return (moment - timedelta(hours=8)).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def add_demo_registry_work(
    store: Store, *, station_code: str, seed: int, actor: str, today: date | None = None
) -> bool:
    """Add the registry and supervision work to a demo database that has none; returns whether
    anything was added."""
    if bulk.demo_registry_work_done(store):
        return False
    today = today or date.today()
    rng = random.Random(f"{seed}:registry:{station_code}")
    merchants = bulk.demo_merchants(store)
    if not merchants:
        return False
    changes = []
    online = [m for m in merchants if m["platform"]]
    for merchant in merchants:
        designations: list[dict] = []
        listed, since, note = 0, "", ""
        if not merchant["platform"] and rng.random() < DESIGNATED_SHARE:
            granted = today - timedelta(days=rng.randrange(60, 900))
            designations.append(
                {
                    "kind": rng.choice(("model_store", "honest_business")),
                    "granted": granted.isoformat(),
                    "until": (granted + timedelta(days=3 * 365)).isoformat(),
                    "revoked": "",
                    "reason": "",
                }
            )
        if merchant["cluster_registered"] and rng.random() < LISTED_SHARE:
            listed = 1
            since = (today - timedelta(days=rng.randrange(30, 400))).isoformat()
            note = "通过登记的住所或者经营场所无法联系"
        if designations or listed:
            changes.append(
                (merchant["id"], listed, since, note, json.dumps(designations, ensure_ascii=False))
            )
    events = []
    clustered = {m["id"] for m in online if m["cluster_registered"]}
    for case in bulk.demo_cases_of(store, [m["id"] for m in online]):
        if rng.random() >= CONTACTED_SHARE:
            continue
        received = datetime.fromisoformat(case["received_at"][:16])
        unreachable = 0.85 if case["merchant_id"] in clustered else 0.25
        status, position, moment = CaseStatus.REGISTERED.value, 0, received
        history = case["events"]
        for attempt in range(rng.randint(1, 3)):
            day = moment.date() + timedelta(days=rng.randint(1, 3))
            moment = datetime.combine(day, datetime.min.time()).replace(
                hour=rng.randint(8, 17), minute=rng.randrange(60)
            )
            if moment.date() > today:
                break
            when = moment.strftime("%Y-%m-%d %H:%M")
            while position < len(history) and history[position][0][:16] <= when:
                status = history[position][1]
                position += 1
            if status not in _OPEN:
                break  # closed or merged by then: no more attempts
            result = (
                ContactResult.UNREACHABLE
                if rng.random() < unreachable
                else rng.choice(
                    (ContactResult.REACHED, ContactResult.REACHED, ContactResult.REFUSED)
                )
            )
            way = (ContactWay.PLATFORM_MESSAGE, ContactWay.PHONE, ContactWay.VISIT)[min(attempt, 2)]
            stamp = _stamp(moment)
            events.append(
                (
                    new_id(),
                    case["id"],
                    "contact",
                    status,
                    status,
                    when,
                    actor,
                    Role.ADMIN.value,
                    "",
                    json.dumps(
                        {"contact_way": way.value, "contact_result": result.value},
                        ensure_ascii=False,
                    ),
                    case["owner_station"],
                    stamp,
                    stamp,
                )
            )
    supervision = []
    first = today - timedelta(days=540)
    shops = [m for m in merchants if not m["platform"]]
    day = first
    while day <= today:
        for _n in range(rng.randint(SUPERVISION_PER_MONTH - 2, SUPERVISION_PER_MONTH + 2)):
            done_on = day + timedelta(days=rng.randrange(28))
            if done_on > today:
                continue
            kind = rng.choice(list(SupervisionKind))
            result = _choice(rng, _RESULTS[kind])
            if result is SupervisionResult.PENDING and (today - done_on).days > 30:
                result = SupervisionResult.PASSED
            follow_up = _FOLLOW_UP[result]
            # sampling and secret visits are at a shop; a survey only sometimes
            at_shop = shops and (kind is not SupervisionKind.SURVEY or rng.random() < 0.3)
            stamp = _stamp(datetime.combine(done_on, datetime.min.time()).replace(hour=16))
            supervision.append(
                (
                    new_id(),
                    done_on.isoformat(),
                    kind.value,
                    rng.choice(shops)["id"] if at_shop else None,
                    rng.choice(_SUBJECTS[kind]),
                    rng.choice(_FINDINGS[result]),
                    result.value,
                    follow_up if isinstance(follow_up, str) else rng.choice(follow_up),
                    station_code,
                    stamp,
                    stamp,
                )
            )
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    bulk.insert_demo_registry_work(
        store, merchant_changes=changes, events=events, supervision=supervision
    )
    return True
