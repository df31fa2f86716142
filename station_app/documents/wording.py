"""The Chinese wording printed on documents, as data, each legal sentence with its source.

Documents are always Chinese, whatever the language of the app, so nothing here goes through
`_()`. Correct a sentence here and every document that prints it follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from station_app.domain import Channel, Gender, GoodsOrService, IdType, MediationMode, TermType
from station_app.workflow import ORDER_121_IN_FORCE


@dataclass(frozen=True)
class LegalText:
    """A sentence printed on a document and the provision it comes from."""

    text: str
    source: str


# --------------------------------------------------------------------------- sources
# Every article printed below was read in the text named here. An article that could not be
# confirmed is kept out of print (its `article` is None): the document then names the rule only.
SOURCE_ORDER_20 = (
    "《市场监督管理投诉举报处理暂行办法》（2019年11月30日国家市场监督管理总局令第20号公布，"
    "2022年3月24日修改）全文，读自 github.com/LawRefBook/Laws "
    "部门规章/市场监督管理总局/市场监督管理投诉举报处理暂行办法(2022-03-24).md；"
    "第十二条至第十五条与 0797cx.cn 所载第61号令（2022年9月29日）第二次修正后全文、uianet.net "
    "所引第十五条一致；本文件引用的第九条、第十条、第十四条、第十五条、第十七条至第二十三条、"
    "第三十一条、第三十三条另与中国政府网 gov.cn/zhengce/2022-10/08/content_5723506.htm 所载"
    "第二次修正后全文逐条一致（读自 github.com/wangxx-yu/market-complaint-agent "
    "data/knowledge/rag_knowledge.json 的逐条抄录）"
)
SOURCE_PML = (
    "《中华人民共和国人民调解法》（2010年8月28日通过）全文，读自 github.com/LawRefBook/Laws "
    "诉讼与非诉讼程序法/人民调解法(2010-08-28).md"
)
SOURCE_CPL = (
    "《中华人民共和国民事诉讼法》（2023年9月1日第五次修正）全文，读自 github.com/LawRefBook/Laws "
    "诉讼与非诉讼程序法/民事诉讼法(2023-09-01).md，第二百零五条、第二百零六条"
)
SOURCE_ORDER_121 = (
    "《市场监督管理投诉举报处理办法》（2025年12月30日国家市场监督管理总局令第121号公布，"
    "自2026年4月15日起施行）全文，国家市场监督管理总局网站 samr.gov.cn "
    "（zw/zfxxgk/fdzdgknr/fgs/art/2026/art_e4d03a20c0fd49769e408c7bf3791ff5.html）所载，"
    "读自 github.com/wangxx-yu/market-complaint-agent data/knowledge/rag_knowledge.json 的逐条抄录；"
    "第十六条七项、第二十三条第一款八项另与一份按本办法制作的文书式样（不予受理决定书、"
    "终止调解决定书）逐字一致；第一条至第七条另与 googgg.com/product/2974.html 一致"
)


@dataclass(frozen=True)
class Regulation:
    """A rule a document cites, by its title and the order that published it."""

    title: str
    order: str
    source: str


@dataclass(frozen=True)
class Citation:
    """An article (and item) of a regulation; `article` None: not confirmed, printed by the
    regulation's title only."""

    regulation: Regulation
    article: int | None
    item: int | None = None
    paragraph: int | None = None  # 款, printed before the item when the article has several

    @property
    def confirmed(self) -> bool:
        return self.article is not None

    def text(self) -> str:
        from station_app.documents.capital_numerals import number_in_chinese

        if self.article is None:
            return self.regulation.title
        text = f"{self.regulation.title}第{number_in_chinese(self.article)}条"
        if self.paragraph is not None:
            text += f"第{number_in_chinese(self.paragraph)}款"
        if self.item is not None:
            text += f"第（{number_in_chinese(self.item)}）项"
        return text

    def with_item(self, item: int | None) -> Citation:
        if self.article is None:
            return self
        return Citation(self.regulation, self.article, item, self.paragraph)


@dataclass(frozen=True)
class GroundWording:
    """A refusal or termination ground as its regulation words it, by item number; `key`
    names the same situation across regulations (to map a recorded ground)."""

    key: str
    item: int
    text: str
    verbatim: bool  # the regulation's own words, quoted; False: described, not quoted


PEOPLES_MEDIATION_LAW = "《中华人民共和国人民调解法》"
COMPLAINT_MEASURES = "《市场监督管理投诉举报处理办法》"
CIVIL_PROCEDURE_LAW = "《中华人民共和国民事诉讼法》"
CONSUMER_LAW = "《中华人民共和国消费者权益保护法》"

ORDER_20 = Regulation(
    "《市场监督管理投诉举报处理暂行办法》", "国家市场监督管理总局令第20号", SOURCE_ORDER_20
)
ORDER_121 = Regulation(COMPLAINT_MEASURES, "国家市场监督管理总局令第121号", SOURCE_ORDER_121)
PML = Regulation(PEOPLES_MEDIATION_LAW, "", SOURCE_PML)
CPL = Regulation(CIVIL_PROCEDURE_LAW, "", SOURCE_CPL)
# Complaints received before this day are decided and cited under Order No. 20.


@dataclass(frozen=True)
class Regime:
    """The rule in force for a complaint, and the articles each document cites."""

    regulation: Regulation
    acceptance: Citation  # 受理或者不予受理的决定 (Order 20 art. 14; Order 121 art. 15)
    refusal: Citation  # 不予受理情形 (Order 20 art. 15; Order 121 art. 16)
    entrusted: Citation  # 委托调解，以委托部门名义 (Order 20 art. 17; Order 121 art. 19)
    notice: Citation  # 现场调解提前告知时间、地点、调解人员 (Order 20 art. 18; 121 art. 20)
    recusal: Citation  # 回避 (Order 20 art. 19; Order 121 art. 21)
    termination: Citation  # 终止调解情形 (Order 20 art. 21(1); Order 121 art. 23(1))
    agreement: Citation  # 调解书 (Order 20 art. 22; Order 121 art. 24)
    # 举报处理结果告知: Order 20 art. 31(2) (a real-name reporter, within 5 working days);
    # Order 121 art. 36 (where a law, regulation or rule requires it; no time limit of its own)
    report_result: Citation
    refusal_grounds: tuple[GroundWording, ...]
    termination_grounds: tuple[GroundWording, ...]
    absence_item: int | None  # the termination item of a party's absence (notice warning)

    def refusal_ground(self, key: str) -> GroundWording | None:
        return next((g for g in self.refusal_grounds if g.key == key), None)

    def termination_ground(self, key: str) -> GroundWording | None:
        return next((g for g in self.termination_grounds if g.key == key), None)


# 第十五条 (verbatim, SOURCE_ORDER_20): six grounds.
ORDER_20_REFUSAL = (
    GroundWording(
        "no-power", 1, "投诉事项不属于市场监督管理部门职责，或者本行政机关不具有处理权限的", True
    ),
    GroundWording(
        "handled-elsewhere",
        2,
        "法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会或者依法成立的其他调解组织"
        "已经受理或者处理过同一消费者权益争议的",
        True,
    ),
    GroundWording(
        "not-consumption",
        3,
        "不是为生活消费需要购买、使用商品或者接受服务，或者不能证明与被投诉人之间存在消费者权益争议的",
        True,
    ),
    GroundWording(
        "over-three-years",
        4,
        "除法律另有规定外，投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年的",
        True,
    ),
    GroundWording("materials", 5, "未提供本办法第九条第一款和第十条规定的材料的", True),
    GroundWording("other-refusal", 6, "法律、法规、规章规定不予受理的其他情形", True),
)
# 第二十一条第一款 (verbatim, SOURCE_ORDER_20): seven grounds.
ORDER_20_TERMINATION = (
    GroundWording("withdrawn", 1, "投诉人撤回投诉或者双方自行和解的", True),
    GroundWording(
        "appraisal",
        2,
        "投诉人与被投诉人对委托承担检定、检验、检测、鉴定工作的技术机构或者费用承担无法协商一致的",
        True,
    ),
    GroundWording(
        "absent", 3, "投诉人或者被投诉人无正当理由不参加调解，或者被投诉人明确拒绝调解的", True
    ),
    GroundWording(
        "no-agreement", 4, "经组织调解，投诉人或者被投诉人明确表示无法达成调解协议的", True
    ),
    GroundWording(
        "time-limit", 5, "自投诉受理之日起四十五个工作日内投诉人和被投诉人未能达成调解协议的", True
    ),
    GroundWording(
        "refusal-found", 6, "市场监督管理部门受理投诉后，发现存在本办法第十五条规定情形的", True
    ),
    GroundWording("other-termination", 7, "法律、法规、规章规定的应当终止调解的其他情形", True),
)


# 第十六条 (verbatim, SOURCE_ORDER_121): seven grounds.
ORDER_121_REFUSAL = (
    GroundWording(
        "no-power", 1, "投诉事项不属于市场监督管理部门职责，或者本行政机关不具有处理权限的", True
    ),
    GroundWording(
        "handled-elsewhere",
        2,
        "法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会已经受理或者处理过"
        "同一消费者权益争议的",
        True,
    ),
    GroundWording(
        "not-consumption",
        3,
        "不是为生活消费需要购买、使用商品或者接受服务，或者不能证明与被投诉人之间存在消费者权益争议的",
        True,
    ),
    GroundWording(
        "over-three-years",
        4,
        "除法律另有规定外，投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年的",
        True,
    ),
    GroundWording(
        "materials", 5, "未提供本办法第十条第一款、第十一条规定的材料，或者提供虚假材料的", True
    ),
    GroundWording(
        "false-identity", 6, "冒用他人名义或者拒不配合市场监督管理部门核验真实身份信息的", True
    ),
    GroundWording("other-refusal", 7, "法律、法规、规章规定不予受理的其他情形", True),
)
# 第二十三条第一款 (verbatim, SOURCE_ORDER_121): eight grounds.
ORDER_121_TERMINATION = (
    GroundWording("withdrawn", 1, "投诉人撤回投诉或者双方自行和解的", True),
    GroundWording("absent", 2, "投诉人、被投诉人无正当理由不参加调解，或者明确拒绝调解的", True),
    GroundWording(
        "no-agreement", 3, "经组织调解，投诉人或者被投诉人明确表示无法达成调解协议的", True
    ),
    GroundWording("appraisal", 4, "投诉人与被投诉人对鉴定、检测费用承担无法协商一致的", True),
    GroundWording(
        "time-limit", 5, "自投诉受理之日起六十日内投诉人和被投诉人未能达成调解协议的", True
    ),
    GroundWording(
        "refusal-found",
        6,
        "市场监督管理部门受理投诉后，发现存在本办法第十六条、第四十二条规定情形的",
        True,
    ),
    GroundWording("death", 7, "投诉人、被投诉人死亡或者主体资格灭失的", True),
    GroundWording("other-termination", 8, "法律、法规、规章规定的应当终止调解的其他情形", True),
)


def _regimes() -> dict[str, Regime]:
    order_20 = Regime(
        regulation=ORDER_20,
        acceptance=Citation(ORDER_20, 14),
        refusal=Citation(ORDER_20, 15),
        entrusted=Citation(ORDER_20, 17),
        notice=Citation(ORDER_20, 18),
        recusal=Citation(ORDER_20, 19),
        termination=Citation(ORDER_20, 21, paragraph=1),
        agreement=Citation(ORDER_20, 22),
        report_result=Citation(ORDER_20, 31, paragraph=2),
        refusal_grounds=ORDER_20_REFUSAL,
        termination_grounds=ORDER_20_TERMINATION,
        absence_item=3,
    )
    order_121 = Regime(
        regulation=ORDER_121,
        acceptance=Citation(ORDER_121, 15),
        refusal=Citation(ORDER_121, 16),
        entrusted=Citation(ORDER_121, 19),
        notice=Citation(ORDER_121, 20),
        recusal=Citation(ORDER_121, 21),
        termination=Citation(ORDER_121, 23, paragraph=1),
        agreement=Citation(ORDER_121, 24),
        report_result=Citation(ORDER_121, 36),
        refusal_grounds=ORDER_121_REFUSAL,
        termination_grounds=ORDER_121_TERMINATION,
        absence_item=2,
    )
    return {"order-20": order_20, "order-121": order_121}


def regime_for(received_on: date) -> Regime:
    """The rule a complaint received on `received_on` is decided and cited under."""
    regimes = _regimes()
    return regimes["order-20"] if received_on < ORDER_121_IN_FORCE else regimes["order-121"]


# --------------------------------------------------------------------------- mediation agreement

AGREEMENT_TITLES = ("调解协议书", "投诉调解书")

# The legal basis by the kind of mediating organisation (acting_bodies.MediatorKind).
AGREEMENT_INTRO_PMC = LegalText(
    "根据" + PEOPLES_MEDIATION_LAW + "有关规定，经{mediator}调解，"
    "双方当事人在平等协商、自愿的基础上达成如下协议：",
    SOURCE_PML + "第二十八条、第二十九条",
)
AGREEMENT_INTRO_ENTRUSTED = LegalText(
    "根据{measures}的规定，{mediator}受{authority}委托，以{authority}名义组织调解，"
    "双方当事人在平等协商、自愿的基础上达成如下协议：",
    SOURCE_ORDER_20 + "第十七条；" + SOURCE_ORDER_121 + "第十九条",
)
AGREEMENT_INTRO_STATION = LegalText(
    "经{mediator}调解，双方当事人在平等协商、自愿的基础上达成如下协议：",
    "调解组织自行调解，不援引人民调解法（人民调解法只适用于人民调解委员会）",
)
AGREEMENT_BINDING_PMC = LegalText(
    "本协议具有法律约束力，双方当事人应当按照约定履行。",
    SOURCE_PML + "第三十一条第一款",
)
AGREEMENT_BINDING = LegalText("双方当事人应当按照本协议的约定履行。", "协议的一般效力")
AGREEMENT_EFFECT = LegalText(
    "本协议自各方当事人签名、盖章或者按指印，调解员签名并加盖{seal_holder}印章之日起生效。",
    SOURCE_PML + "第二十九条第二款",
)
AGREEMENT_COPIES = LegalText(
    "本协议一式{copies}份，当事人各执一份，{seal_holder}留存一份。",
    SOURCE_PML
    + "第二十九条第二款；"
    + SOURCE_ORDER_20
    + "第二十二条；"
    + SOURCE_ORDER_121
    + "第二十四条",
)
JUDICIAL_CONFIRMATION_PMC = LegalText(
    "依照" + PEOPLES_MEDIATION_LAW + "第三十三条、" + CIVIL_PROCEDURE_LAW + "第二百零五条，"
    "双方当事人认为有必要的，可以自本协议生效之日起三十日内，共同向当事人住所地、标的物所在地"
    "或者调解组织所在地的基层人民法院申请司法确认。人民法院依法确认本协议有效，一方当事人拒绝履行"
    "或者未全部履行的，对方当事人可以向人民法院申请强制执行。",
    SOURCE_PML + "第三十三条；" + SOURCE_CPL,
)
JUDICIAL_CONFIRMATION = LegalText(
    "依照" + CIVIL_PROCEDURE_LAW + "第二百零五条，双方当事人可以自本协议生效之日起三十日内，"
    "共同向当事人住所地、标的物所在地或者调解组织所在地的基层人民法院申请司法确认；"
    "人民法院邀请调解组织开展先行调解的，向作出邀请的人民法院提出。人民法院裁定本协议有效，"
    "一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请执行。",
    SOURCE_CPL,
)
# The sections an agreement states (人民调解法第二十九条第一款).
AGREEMENT_SECTIONS = (
    "当事人基本情况",
    "纠纷的主要事实",
    "争议事项及各方责任",
    "协议内容",
    "履行方式和期限",
)
PERFORMED_ON_SPOT = "上述协议内容已于{date}当场履行完毕。"
PERFORMANCE_BY = "{method}，于{date}前履行完毕。"
INTERNAL_ANNEX_MARK = "内部留存"

# --------------------------------------------------------------------------- decisions and notices

SOURCE_CONSUMER_LAW_39 = (
    "《中华人民共和国消费者权益保护法》第三十九条，与 flk.npc.gov.cn 所载条文一致的两份公开抄本"
    "（一份为法条片段集，一份为全文网页）"
)

# {citation} is Regime.acceptance etc. as Citation.text(); {authority} the deciding authority.
ACCEPTANCE_TEXT = LegalText(
    "{received}，经审查，符合受理条件。根据{citation}的规定，{authority}决定予以受理，"
    "并依法组织调解。调解遵循自愿、合法的原则，请双方当事人积极配合。",
    SOURCE_ORDER_20 + "第十四条",
)
REFUSAL_TEXT = LegalText(
    "{received}，经审查，属于{citation}规定的不予受理情形：{ground}。"
    "根据上述规定，{authority}决定不予受理。",
    SOURCE_ORDER_20 + "第十五条",
)
TERMINATION_TEXT = LegalText(
    "{received}，{authority}已依法受理并组织调解。因出现{citation}规定的终止调解情形：{ground}，"
    "{authority}决定终止调解。",
    SOURCE_ORDER_20 + "第二十一条第一款",
)
ART_39_INTRO = LegalText(
    "根据" + CONSUMER_LAW + "第三十九条的规定，消费者和经营者发生消费者权益争议的，"
    "可以通过下列途径解决：",
    SOURCE_CONSUMER_LAW_39,
)
ART_39_ROUTES = (
    "与经营者协商和解",
    "请求消费者协会或者依法成立的其他调解组织调解",
    "向有关行政部门投诉",
    "根据与经营者达成的仲裁协议提请仲裁机构仲裁",
    "向人民法院提起诉讼",
)
MEDIATION_NOTICE_INTRO = LegalText(
    "{received}，已依法受理。经双方当事人同意，{organisation}定于{held_at}在{place}"
    "组织现场调解。根据{citation}的规定，现将调解的时间、地点、调解人员等事项通知如下：",
    SOURCE_ORDER_20 + "第十八条第二款",
)
MEDIATION_RECUSAL = LegalText(
    "{mediators}调解人员是投诉人或者被投诉人的近亲属或者有其他利害关系，可能影响公正处理投诉的，"
    "应当回避；当事人可以在调解开始{days}个工作日前提出回避申请，并说明理由。",
    SOURCE_ORDER_20 + "第十九条第二款（申请期限为本站的安排）",
)
MEDIATION_ABSENCE = LegalText(
    "请双方当事人按时参加调解。无正当理由不参加调解的，将依照{citation}终止调解。",
    SOURCE_ORDER_20 + "第二十一条第一款第（三）项",
)

# The word after the station's prefix in each kind's document number: 瑞市监消 + 受 + 〔2026〕第3号.
DOCUMENT_NUMBER_WORDS = {
    "acceptance_decision": "受",
    "refusal_decision": "不受",
    "termination_decision": "终",
    "mediation_notice": "调通",
    "mediation_agreement": "调",
    "report_result_notice": "举告",
    "court_transfer_letter": "转",
}

# --------------------------------------------------------------------------- mediation record

MEDIATION_MODE_TEXT = {
    MediationMode.ON_SITE: "现场调解",
    MediationMode.PHONE: "电话调解",
    MediationMode.VIDEO: "视频调解",
}
RECORD_READ_BACK = LegalText(
    "以上笔录已向当事人宣读（或经当事人阅读），当事人确认记录无误。",
    "调解笔录核对签名惯例；"
    + SOURCE_ORDER_20
    + "第二十二条第二款（未制作调解书的，做好调解记录备查）",
)
RECORD_FOOTER = "当事人签名：                    调解员签名：                    记录人签名："

# --------------------------------------------------------------------------- judicial confirmation

JUDICIAL_REQUEST = LegalText(
    "请求{court}依法确认申请人于{agreed_on}在{organisation}主持下达成的{agreement}有效。",
    SOURCE_CPL,
)
JUDICIAL_BASIS_PMC = (
    "依照" + PEOPLES_MEDIATION_LAW + "第三十三条、" + CIVIL_PROCEDURE_LAW + "第二百零五条"
)
JUDICIAL_BASIS = "依照" + CIVIL_PROCEDURE_LAW + "第二百零五条"
JUDICIAL_FACTS = LegalText(
    "申请人之间的{dispute}纠纷，经{organisation}调解，于{agreed_on}达成调解协议。"
    "该协议是双方当事人在自愿、平等的基础上达成的，内容不违反法律、行政法规的强制性规定，"
    "不损害国家利益、社会公共利益和他人合法权益。",
    SOURCE_CPL,
)
JUDICIAL_PROMISES = LegalText(
    "申请人保证提交的调解协议及相关证明材料真实、合法，出于解决纠纷的目的申请司法确认，"
    "不存在恶意串通、规避法律的情形。如因虚假陈述等原因导致确认裁定错误，申请人愿意承担相应的法律责任。",
    "申请人的保证：惯例文字，不援引条文",
)
# What the court expects with the application (domain.md; 人民调解法第三十三条 and the
# application file of a judicial confirmation).
JUDICIAL_ATTACHMENTS = (
    "调解协议书",
    "调解组织主持调解的证明",
    "申请人身份证明",
    "与纠纷有关的证据材料",
)
JUDICIAL_VENUE_NOTE = (
    "注：{court}不是调解组织所在地的人民法院。依照" + CIVIL_PROCEDURE_LAW + "第二百零五条，"
    "只有该院邀请调解组织开展先行调解，或者为当事人住所地、标的物所在地的基层人民法院时，"
    "才可以向其申请。"
)

# --------------------------------------------------------------------------- report result

REPORT_RESULT_TEXT = LegalText(
    "您于{received}通过{channel}反映{merchant}涉嫌违法的举报（登记编号：{case_no}）。"
    "根据{citation}的规定，现将{authority}的处理结果告知如下：",
    SOURCE_ORDER_20 + "第三十一条第二款",
)
# The result of its own (never the internal note): 立案, or 不予立案 with the reason.
REPORT_RESULTS = {
    "open-case": "处理结果：立案。{authority}已于{decided_on}决定对被举报人立案调查。",
    "not-open": "处理结果：不予立案。{authority}于{decided_on}决定不予立案，理由：{reason}",
    "merge": "处理结果：并案处理。您的举报与其他举报涉及同一事项，{authority}已合并处理。",
}
REPORT_CONFIDENTIALITY = LegalText(
    "我们依法对举报人的信息予以保密。感谢您对市场监管工作的支持。",
    SOURCE_ORDER_20 + "第三十三条",
)

# --------------------------------------------------------------------------- registration forms

INTERNAL_MARK = "内部登记"
REPORTER_CONFIDENTIAL = LegalText(
    "举报人信息依法保密，本表仅供内部登记使用，不得向被举报人或者其他无关人员提供。",
    SOURCE_ORDER_20 + "第三十三条",
)
CONSENTS = (
    ("consent_publish", "同意公开投诉信息"),
    ("consent_mediation", "同意调解"),
    ("consent_entrusted", "同意委托消费者协会（消费者权益保护委员会）调解"),
)

# --------------------------------------------------------------------------- labels

CHANNEL_TEXT = {
    Channel.PHONE: "电话",
    Channel.WALK_IN: "来访",
    Channel.LETTER: "信函",
    Channel.PLATFORM_12315: "全国12315平台",
    Channel.TRANSFER_12345: "12345热线转办",
    Channel.OTHER: "其他",
}
GENDER_TEXT = {Gender.UNKNOWN: "", Gender.MALE: "男", Gender.FEMALE: "女"}
ID_TYPE_TEXT = {
    IdType.NONE: "",
    IdType.RESIDENT_ID: "居民身份证",
    IdType.PASSPORT: "护照",
    IdType.OTHER: "其他证件",
}
GOODS_OR_SERVICE_TEXT = {GoodsOrService.GOODS: "商品", GoodsOrService.SERVICE: "服务"}
TERM_TYPE_TEXT = {
    TermType.REFUND: "退款",
    TermType.REPLACEMENT: "更换",
    TermType.REPAIR: "修理",
    TermType.COMPENSATION: "赔偿",
    TermType.OTHER: "其他",
}
NOT_GIVEN = "未提供"
NOT_APPLICABLE = "—"
