"""The Chinese wording printed on documents, as data, each legal sentence with its source.

Documents are always Chinese, whatever the language of the app, so nothing here goes through
`_()`. Correct a sentence here and every document that prints it follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from station_app.domain import Channel, Gender, GoodsOrService, IdType, MediationMode, TermType

PEOPLES_MEDIATION_LAW = "《中华人民共和国人民调解法》"
COMPLAINT_MEASURES = "《市场监督管理投诉举报处理办法》"


@dataclass(frozen=True)
class LegalText:
    """A sentence printed on a document and the provision it comes from."""

    text: str
    source: str


# --------------------------------------------------------------------------- mediation agreement

AGREEMENT_TITLES = ("调解协议书", "投诉调解书")

AGREEMENT_INTRO = LegalText(
    "根据" + PEOPLES_MEDIATION_LAW + COMPLAINT_MEASURES + "有关规定，经{organisation}调解，"
    "双方当事人在平等协商、自愿的基础上达成如下协议：",
    COMPLAINT_MEASURES
    + "（国家市场监督管理总局令第121号）；"
    + PEOPLES_MEDIATION_LAW
    + "第二十二条",
)
AGREEMENT_BINDING = LegalText(
    "本协议具有法律约束力，双方当事人应当按照约定履行。",
    PEOPLES_MEDIATION_LAW + "第三十一条",
)
AGREEMENT_EFFECT = LegalText(
    "本协议自双方当事人签名（盖章或按指印）、调解员签名并加盖调解组织印章之日起生效。",
    PEOPLES_MEDIATION_LAW + "第二十九条",
)
AGREEMENT_COPIES = LegalText(
    "本协议一式三份，双方当事人各执一份，调解组织留存一份。",
    PEOPLES_MEDIATION_LAW + "第二十九条",
)
# The competent courts are those of 《中华人民共和国民事诉讼法》(2023) 第二百零五条 [verify number].
JUDICIAL_CONFIRMATION = LegalText(
    "双方当事人认为有必要的，可以自本协议生效之日起三十日内，共同向当事人住所地、标的物所在地"
    "或者调解组织所在地的基层人民法院申请司法确认。人民法院依法确认本协议有效，一方当事人拒绝履行"
    "或者未全部履行的，对方当事人可以向人民法院申请强制执行。",
    PEOPLES_MEDIATION_LAW + "第三十三条",
)
# The sections an agreement states (人民调解法第二十九条).
AGREEMENT_SECTIONS = (
    "当事人基本情况",
    "纠纷的主要事实",
    "争议事项及各方责任",
    "协议内容",
    "履行方式和期限",
)
PERFORMED_ON_SPOT = "上述协议内容已于{date}当场履行完毕。"
PERFORMANCE_BY = "{method}，于{date}前履行完毕。"

# --------------------------------------------------------------------------- decisions and notices

CONSUMER_LAW = "《中华人民共和国消费者权益保护法》"
ORDER_121 = COMPLAINT_MEASURES + "（国家市场监督管理总局令第121号）"

ACCEPTANCE_TEXT = LegalText(
    "{received}，经审查，符合" + COMPLAINT_MEASURES + "规定的受理条件，"
    "{organisation}决定于{decided_on}予以受理，并将依法组织调解。"
    "调解遵循自愿、合法的原则，请双方当事人积极配合。",
    ORDER_121 + "受理条件（条号待核）",
)
REFUSAL_TEXT = LegalText(
    "{received}，经审查，属于" + COMPLAINT_MEASURES + "规定的不予受理情形{ground}"
    "（依据：{article}），{organisation}决定不予受理。",
    ORDER_121 + "不予受理情形（条号待核）",
)
TERMINATION_TEXT = LegalText(
    "{received}，{organisation}已依法受理并组织调解。因存在"
    + COMPLAINT_MEASURES
    + "规定的终止调解情形{ground}（依据：{article}），{organisation}决定于{decided_on}终止调解。",
    ORDER_121 + "终止调解情形（条号待核）",
)
ART_39_INTRO = LegalText(
    "根据" + CONSUMER_LAW + "第三十九条的规定，消费者和经营者发生消费者权益争议的，"
    "可以通过下列途径解决：",
    CONSUMER_LAW + "第三十九条",
)
ART_39_ROUTES = (
    "与经营者协商和解",
    "请求消费者协会或者依法成立的其他调解组织调解",
    "向有关行政部门投诉",
    "根据与经营者达成的仲裁协议提请仲裁机构仲裁",
    "向人民法院提起诉讼",
)
MEDIATION_NOTICE_INTRO = LegalText(
    "{received}，本单位已依法受理。经双方当事人同意，{organisation}定于{held_at}在{place}"
    "组织调解。现将有关事项通知如下：",
    ORDER_121 + "组织调解（条号待核）",
)
MEDIATION_RECUSAL = LegalText(
    "当事人认为调解人员{mediators}与本纠纷有利害关系或者有其他关系可能影响公正调解的，"
    "可以在调解开始{days}个工作日前提出回避申请，并说明理由。",
    ORDER_121 + "回避（条号待核）",
)
MEDIATION_ABSENCE = LegalText(
    "请双方当事人按时参加调解。无正当理由不参加调解的，本单位将依法终止调解。",
    ORDER_121 + "终止调解情形第三项（条号待核）",
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
    "调解笔录核对签名惯例",
)
RECORD_FOOTER = "当事人签名：                    调解员签名：                    记录人签名："

# --------------------------------------------------------------------------- judicial confirmation

CIVIL_PROCEDURE_LAW = "《中华人民共和国民事诉讼法》"
JUDICIAL_REQUEST = LegalText(
    "请求{court}依法确认申请人于{agreed_on}在{organisation}主持下达成的{agreement}有效。",
    PEOPLES_MEDIATION_LAW + "第三十三条；" + CIVIL_PROCEDURE_LAW + "第二百零五条（条号待核）",
)
JUDICIAL_FACTS = LegalText(
    "申请人之间的{dispute}纠纷，经{organisation}调解，于{agreed_on}达成调解协议。"
    "该协议是双方当事人在自愿、平等的基础上达成的，内容不违反法律、行政法规的强制性规定，"
    "不损害国家利益、社会公共利益和他人合法权益。",
    PEOPLES_MEDIATION_LAW + "第三十三条",
)
JUDICIAL_PROMISES = LegalText(
    "申请人保证提交的调解协议及相关证明材料真实、合法，出于解决纠纷的目的申请司法确认，"
    "不存在恶意串通、规避法律的情形。如因虚假陈述等原因导致确认裁定错误，申请人愿意承担相应的法律责任。",
    "《最高人民法院关于人民调解协议司法确认程序的若干规定》（条号待核）",
)
JUDICIAL_ATTACHMENTS = ("调解协议书", "双方当事人身份证明材料", "与纠纷有关的证明材料")

# --------------------------------------------------------------------------- report result

REPORT_RESULT_TEXT = LegalText(
    "您于{received}通过{channel}反映{merchant}涉嫌违法的举报（登记编号：{case_no}），"
    "{organisation}已依法处理。现将处理结果告知如下：",
    COMPLAINT_MEASURES + "举报处理结果告知（条号待核）",
)
REPORT_OUTCOME = {
    "open-case": "经核查，{organisation}已对被举报人依法立案调查。",
    "not-open": "经核查，被举报人的违法行为不成立或者依法不予立案。",
    "merge": "您的举报与其他举报涉及同一事项，已合并处理。",
}
REPORT_CONFIDENTIALITY = LegalText(
    "我们依法对举报人的信息予以保密。感谢您对市场监管工作的支持。",
    COMPLAINT_MEASURES + "举报人信息保密规定",
)

# --------------------------------------------------------------------------- registration forms

INTERNAL_MARK = "内部登记"
REPORTER_CONFIDENTIAL = LegalText(
    "举报人信息依法保密，本表仅供内部登记使用，不得向被举报人或者其他无关人员提供。",
    COMPLAINT_MEASURES + "（国家市场监督管理总局令第121号）举报人信息保密规定",
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
