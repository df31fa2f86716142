"""Filled sample content for every document kind: for previews, tests and the benchmark."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from station_app.acting_bodies import ActingBodies
from station_app.documents.content import AgreementContent, MemberAmount, RegistrationContent, Term
from station_app.domain import (
    Case,
    CaseKind,
    Channel,
    Evidence,
    Gender,
    GoodsOrService,
    IdType,
    Merchant,
    Party,
    PartyRole,
    TermType,
)

ORGANISATION = "瑞昌市消费者权益保护委员会码头镇消费者投诉站"
# Who acts in the samples: the township office decides, the station mediates itself.
SAMPLE_BODIES = ActingBodies(
    authority_name="瑞昌市市场监督管理局码头市场监督管理所",
    authority_prefix="瑞市监消",
    mediator_name=ORGANISATION,
    mediator_kind="station",
    court_name="瑞昌市人民法院",
)
DOCUMENT_NUMBER = "瑞市监消〔2026〕第17号"
CASE_NO = "RC-MT-2026-00017"
RESIDENT_ID = "11010519491231002X"  # check character right (GB 11643-1999)
CREDIT_CODE = "91110108551385082Q"  # check character right (GB 32100-2015)


SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = ("秀兰", "伟", "芳", "建华", "敏", "静", "丽娟", "强", "志刚", "军")


def sample_complainant(number: int = 1) -> Party:
    """Complainant `number` (1–200, each name different): 张秀兰, 张伟, 张芳 ... 罗军."""
    if not 1 <= number <= len(SURNAMES) * len(GIVEN_NAMES):
        raise ValueError(f"no sample complainant {number}")
    surname, given = divmod(number - 1, len(GIVEN_NAMES))
    name = SURNAMES[surname] + GIVEN_NAMES[given]
    return Party(
        name=name,
        gender=Gender.FEMALE,
        phone=f"138{number:08d}" if number > 1 else "13812346721",
        address=f"瑞昌市码头镇东风村{number}组",
        id_type=IdType.RESIDENT_ID,
        id_number=RESIDENT_ID,
    )


def sample_case(complainants: int = 1, kind: CaseKind = CaseKind.COMPLAINT) -> Case:
    return Case(
        kind=kind,
        channel=Channel.PHONE,
        received_at=datetime(2026, 3, 2, 9, 30),
        complainants=[sample_complainant(n) for n in range(1, complainants + 1)],
        merchant=Merchant(
            name="瑞昌市好又多超市",
            uscc=CREDIT_CODE,
            legal_rep="王建国",
            address="瑞昌市湓城街道人民路88号",
            phone="0792-4221234",
        ),
        goods_or_service=GoodsOrService.GOODS,
        category="家用电子电器类",
        problem_nature="质量",
        purchase_date=date(2026, 2, 10),
        purchase_place="瑞昌市好又多超市湓城店",
        amount=Decimal("1299.50"),
        request="退货退款，并赔偿往返交通费用",
        facts="2026年2月10日，投诉人在被投诉人处购买电饭煲一台，价款1,299.50元。"
        "使用三天后电饭煲无法加热，投诉人要求退货，被投诉人以已过七日为由拒绝。",
        consent_publish=False,
        consent_mediation=True,
        consent_entrusted=True,
        evidence=[
            Evidence(sha256="0" * 64, filename="购物小票.jpg", size=182_311, note="2026年2月10日"),
            Evidence(sha256="1" * 64, filename="电饭煲照片.jpg", size=1_024_000),
        ],
        case_no=CASE_NO,
        owner_station="RC-MT",
    )


def sample_agreement(complainants: int = 1, *, refund_text: str = "") -> AgreementContent:
    case = sample_case(complainants)
    # A joint complaint: each member's amount, the first two elected representatives.
    members = [
        MemberAmount(p.name, Decimal(100 + 10 * n), representative=n < 2)
        for n, p in enumerate(case.complainants)
    ]
    return AgreementContent(
        case=case,
        members=members if complainants > 1 else [],
        organisation=ORGANISATION,
        bodies=SAMPLE_BODIES,
        document_number=DOCUMENT_NUMBER,
        agreed_on=date(2026, 3, 9),
        terms=[
            Term(
                TermType.REFUND,
                Decimal("1299.50"),
                refund_text or "被投诉人退还投诉人购买电饭煲的货款",
            ),
            Term(TermType.COMPENSATION, Decimal("200"), "被投诉人赔偿投诉人往返交通及误工损失"),
            Term(TermType.OTHER, None, "投诉人在收到全部款项后将电饭煲及其配件退还被投诉人。"),
        ],
        mediators=["李文华", "赵明"],
        dispute="双方对电饭煲不能加热是否属于质量问题存在争议。经调解员现场查看，电饭煲加热元件故障，"
        "属于产品质量问题，被投诉人应当承担退货退款责任；投诉人应当退还商品。",
        performance="被投诉人以现金方式当面支付",
        performance_due=date(2026, 3, 12),
        merchant_agent=Party(
            name="王小明", role=PartyRole.AGENT, gender=Gender.MALE, phone="13907921234"
        ),
    )


def sample_registration(
    kind: CaseKind = CaseKind.COMPLAINT, complainants: int = 1
) -> RegistrationContent:
    case = sample_case(complainants, kind)
    if kind == CaseKind.COMPLAINT:
        case.agent = Party(
            name="李代理",
            role=PartyRole.AGENT,
            gender=Gender.MALE,
            phone="13900001111",
            address="瑞昌市湓城街道1号",
            id_type=IdType.RESIDENT_ID,
            id_number=RESIDENT_ID,
        )
    else:
        case.request = ""
        case.facts = "被举报人销售的电饭煲无产品合格证，疑似销售不合格产品。"
    return RegistrationContent(case=case, organisation=ORGANISATION, clerk="刘登记")


def sample_decision(kind: str = "acceptance_decision", ground: int = 4):
    from station_app.documents.decisions import GROUNDS, DecisionContent
    from station_app.workflow import ground as find_ground

    numbers = {
        "acceptance_decision": "瑞市监消受〔2026〕第3号",
        "refusal_decision": "瑞市监消不受〔2026〕第2号",
        "termination_decision": "瑞市监消终〔2026〕第5号",
    }
    return DecisionContent(
        kind=kind,
        case=sample_case(),
        organisation=ORGANISATION,
        bodies=SAMPLE_BODIES,
        document_number=numbers[kind],
        decided_on=date(2026, 3, 4),
        ground=find_ground(GROUNDS[kind], ground) if kind in GROUNDS else None,
        issued_on=date(2026, 3, 4),
    )


def sample_notice():
    from station_app.documents.decisions import NoticeContent

    return NoticeContent(
        case=sample_case(),
        organisation=ORGANISATION,
        bodies=SAMPLE_BODIES,
        document_number="瑞市监消调通〔2026〕第8号",
        held_at=datetime(2026, 3, 9, 9, 30),
        place="瑞昌市码头镇消费者投诉站调解室（码头镇人民路1号）",
        materials=[
            "身份证件（单位为营业执照及授权委托书）",
            "购物小票、发票等消费凭证",
            "与争议有关的商品",
        ],
        mediators=["李文华", "赵明"],
        issued_on=date(2026, 3, 5),
        contact="0792-4220315",
    )


def sample_content(kind_id: str):
    """Sample content of every kind in DOCUMENT_KINDS."""
    if kind_id == "report_registration":
        return sample_registration(CaseKind.REPORT)
    if kind_id == "complaint_registration":
        return sample_registration(CaseKind.COMPLAINT)
    if kind_id.endswith("_decision"):
        return sample_decision(kind_id)
    if kind_id == "mediation_notice":
        return sample_notice()
    if kind_id == "mediation_record":
        return sample_record()
    if kind_id == "judicial_application":
        return sample_judicial()
    if kind_id == "report_result_notice":
        return sample_report_result()
    if kind_id == "court_transfer_letter":
        return sample_court_transfer()
    if kind_id == "agreement_internal_annex":
        return sample_internal_annex()
    return sample_agreement()


def sample_internal_annex(complainants: int = 1):
    from station_app.documents.internal_annex import InternalAnnexContent

    agreement = sample_agreement(complainants)
    return InternalAnnexContent(agreement=agreement, agreement_number=agreement.document_number)


def sample_record(statement_repeat: int = 1):
    from station_app.documents.mediation_record import RecordContent
    from station_app.domain import MediationMode, MediationSession

    return RecordContent(
        case=sample_case(),
        organisation=ORGANISATION,
        bodies=SAMPLE_BODIES,
        session=MediationSession(
            held_at="2026-03-09 09:30",
            mode=MediationMode.ON_SITE,
            place="码头镇消费者投诉站调解室",
            mediators=["李文华", "赵明"],
            recorder="刘登记",
            attendees=["张秀兰", "王小明（被投诉人委托代理人）"],
            complainant_statement="电饭煲使用三天后无法加热，要求退货退款并赔偿往返交通费用。"
            * statement_repeat,
            merchant_statement="同意检测，如确属质量问题同意退货退款。" * statement_repeat,
            result="经现场查看，加热元件故障。双方同意退货退款，被投诉人另赔偿200元，达成调解协议。",
        ),
    )


def sample_judicial():
    from station_app.documents.judicial_application import JudicialContent

    return JudicialContent(
        case=sample_case(),
        organisation=ORGANISATION,
        bodies=SAMPLE_BODIES,
        court="瑞昌市人民法院",
        agreed_on=date(2026, 3, 9),
        agreement_number=DOCUMENT_NUMBER,
        applied_on=date(2026, 3, 10),
    )


def sample_report_result():
    from station_app.documents.report_result import ReportResultContent

    case = sample_case(kind=CaseKind.REPORT)
    case.request = ""
    case.facts = "被举报人销售的电饭煲无产品合格证，疑似销售不合格产品。"
    return ReportResultContent(
        case=case,
        organisation="瑞昌市市场监督管理局",
        bodies=SAMPLE_BODIES,
        document_number="瑞市监消举告〔2026〕第4号",
        notified_on=date(2026, 4, 20),
        outcome="open-case",
        decided_on=date(2026, 4, 16),
    )


def sample_court_transfer():
    from station_app.documents.court_transfer import CourtTransferContent

    return CourtTransferContent(
        case=sample_case(),
        organisation=ORGANISATION,
        document_number="瑞市监消转〔2026〕第2号",
        court="瑞昌市人民法院",
        transferred_on=date(2026, 4, 2),
        terminated_on=date(2026, 3, 30),
        ground="经组织调解，投诉人或者被投诉人明确表示无法达成调解协议",
    )
