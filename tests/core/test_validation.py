"""Tests for station_app.validation: identifiers, phones, masks, dates, text and whole cases."""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from station_app.validation import (
    MAX_LEN,
    Problem,
    Severity,
    check_credit_code,
    check_phone,
    check_resident_id,
    check_text,
    field_label,
    has_errors,
    limitation_warning,
    mask_id_number,
    mask_phone,
    normalize_phone,
    validate_case,
)

TODAY = date(2026, 3, 2)
VALID_RIC = "11010519491231002X"
VALID_USCC = "91110108551385082Q"


def make_ric(region: str, birth: str, seq: str) -> str:
    """A resident ID with a correct check character computed by stdnum."""
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def wrong_check(number: str, alphabet: str) -> str:
    """The same number with a different (hence wrong) last character."""
    last = number[-1]
    replacement = next(c for c in alphabet if c != last)
    return number[:-1] + replacement


def make_uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


def codes(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in problems}


def fields(problems: list[Problem], severity: Severity | None = None) -> set[str]:
    return {p.field for p in problems if severity is None or p.severity is severity}


# --------------------------------------------------------------------------- resident ID


@pytest.mark.parametrize(
    "number",
    [
        VALID_RIC,
        "11010519491231002x",  # lowercase x
        " 110105 19491231 002X ",  # spaces typed by a clerk
        "360426199101010071",  # stdnum's documented example
        make_ric("110105", "20000229", "123"),  # leap-day birth
        make_ric("440305", "19490101", "456"),  # county code newer than the birth year
    ],
)
def test_valid_resident_ids(number: str) -> None:
    assert check_resident_id(number) is None


@pytest.mark.parametrize(
    "number",
    [
        wrong_check(VALID_RIC, "0123456789X"),
        wrong_check(make_ric("360426", "19850615", "321"), "0123456789X"),
        wrong_check(make_ric("110105", "20000229", "124"), "0123456789X"),
    ],
)
def test_resident_id_wrong_check_character(number: str) -> None:
    message = check_resident_id(number)
    assert message is not None
    # the message for a bad check character differs from the others
    assert message != check_resident_id("1101051949123100")
    assert message != check_resident_id(make_ric("110105", "19491332", "002"))


def test_resident_id_messages_are_distinct() -> None:
    too_short = check_resident_id("1101051949123100")
    bad_format = check_resident_id("1101051949A231002X")
    bad_date = check_resident_id(make_ric("110105", "19490230", "002"))
    bad_check = check_resident_id(wrong_check(VALID_RIC, "0123456789X"))
    messages = [too_short, bad_format, bad_date, bad_check]
    assert all(messages)
    assert len(set(messages)) == 4
    assert "16" in too_short
    assert "19490230" in bad_date


@pytest.mark.parametrize(
    "number",
    ["", "1", "11010519491231002", "11010519491231002XX", "110105194912310021234"],
)
def test_resident_id_wrong_length(number: str) -> None:
    assert check_resident_id(number) is not None


def test_old_fifteen_digit_id_is_rejected_with_its_own_message() -> None:
    message = check_resident_id("110105491231002")
    assert message is not None
    assert message != check_resident_id("1101054912310021")


@pytest.mark.parametrize(
    "number",
    [
        "X1010519491231002X",
        "1101051949123100X2",  # X only allowed last
        "11010519491231002Y",
        "11010519491231002*",
    ],
)
def test_resident_id_bad_format(number: str) -> None:
    assert check_resident_id(number) is not None


@pytest.mark.parametrize(
    "birth",
    ["19491331", "19490230", "20230229", "18991231", "00000000", "29991231"],
)
def test_resident_id_bad_birth_date_even_with_correct_check_character(birth: str) -> None:
    message = check_resident_id(make_ric("110105", birth, "002"))
    assert message is not None
    assert birth in message


def test_resident_id_impossible_province() -> None:
    assert check_resident_id(make_ric("990105", "19491231", "002")) is not None


@given(
    region=st.sampled_from(["110105", "360426", "440305", "330110", "500000", "650102"]),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_any_generated_resident_id_passes_and_a_changed_check_fails(
    region: str, birth: date, seq: int
) -> None:
    number = make_ric(region, birth.strftime("%Y%m%d"), f"{seq:03d}")
    assert check_resident_id(number) is None
    assert check_resident_id(number.lower()) is None
    assert check_resident_id(wrong_check(number, "0123456789X")) is not None


# --------------------------------------------------------------------------- credit code


@pytest.mark.parametrize(
    "code",
    [
        VALID_USCC,
        VALID_USCC.lower(),
        "9111 0108 5513 8508 2Q",
        "91110000600037341L",  # stdnum's documented example
        make_uscc("92360426MA35LBQ10"),  # individual business
        make_uscc("93360426" + "MA3A1BCD" + "5"),  # farmers' cooperative
        make_uscc("N2360426" + "MB1234567"),  # rural collective organisation
    ],
)
def test_valid_credit_codes(code: str) -> None:
    assert check_credit_code(code) == (None, False)


@pytest.mark.parametrize(
    "code",
    [
        wrong_check(VALID_USCC, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
        wrong_check("91110000600037341L", "0123456789ABCDEFGHJKLMNPQRTUWXY"),
        wrong_check(make_uscc("93360426MA3A1BCD5"), "0123456789ABCDEFGHJKLMNPQRTUWXY"),
    ],
)
def test_credit_code_bad_checksum_is_only_a_warning(code: str) -> None:
    message, blocking = check_credit_code(code)
    assert message
    assert blocking is False


@pytest.mark.parametrize(
    "code",
    [
        "91110108551385O82Q",  # letter O for zero
        "9111010855138508IQ",
        "91110108551385S82Q",
        "91110108551385V82Q",
        "91110108551385Z82Q",
    ],
)
def test_credit_code_illegal_letters_block(code: str) -> None:
    message, blocking = check_credit_code(code)
    assert message
    assert blocking is True


@pytest.mark.parametrize(
    "code",
    [
        "",
        "9111010855138508",
        "91110108551385082QQ",
        "110108000000016",  # old 15-digit registration number
        "91110108551385#82Q",
        "911101085513850８2Q中",
        "91AB0108551385082Q",  # region code must be digits
    ],
)
def test_credit_code_bad_length_or_characters_block(code: str) -> None:
    message, blocking = check_credit_code(code)
    assert message
    assert blocking is True


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812346721", "13812346721"),
        ("138 1234 6721", "13812346721"),
        ("138-1234-6721", "13812346721"),
        ("+86 138 1234 6721", "13812346721"),
        ("+8613812346721", "13812346721"),
        ("8613812346721", "13812346721"),
        ("0086 13812346721", "13812346721"),
        ("１３８１２３４６７２１", "13812346721"),  # full-width digits from an IME
        ("19912345678", "19912345678"),
        ("0791-88888888", "0791-88888888"),
        ("079188888888", "0791-88888888"),
        ("(0791) 8888 8888", "0791-88888888"),
        ("010-62345678", "010-62345678"),
        ("02187654321", "021-87654321"),
        ("0797-7654321", "0797-7654321"),
        ("+86 791 88888888", "0791-88888888"),
        ("88888888", "88888888"),
        ("8888888", "8888888"),
        ("12315", "12315"),
        ("12345", "12345"),
        ("400-123-4567", "400-123-4567"),
        ("4001234567", "400-123-4567"),
        ("800 810 8888", "800-810-8888"),
        ("95588", "95588"),
    ],
)
def test_valid_phones_and_their_normal_form(raw: str, normal: str) -> None:
    assert check_phone(raw) is None
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "1381234672",  # 10 digits
        "138123467211",  # 12 digits
        "12812346721",  # no 12x mobile prefix
        "0791-888",
        "0791-08888888",  # local number cannot start with 0
        "00-88888888",
        "+1 415 555 0100",
        "+86 12315",
        "13812346721 ext",
        "123",
    ],
)
def test_invalid_phones(raw: str) -> None:
    assert check_phone(raw)


def test_short_mobile_message_names_the_digit_count() -> None:
    assert "10" in check_phone("1381234672")


def test_normalize_leaves_unknown_input_trimmed() -> None:
    assert normalize_phone("  abc ") == "abc"


# --------------------------------------------------------------------------- masks


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812346721", "138****6721"),
        ("+86 138-1234-6721", "138****6721"),
        ("0791-88881234", "0791-****1234"),
        ("010-62345678", "010-****5678"),
        ("0797-7654321", "0797-***4321"),
        ("12315", "***15"),
        ("ab", "**"),
        ("", ""),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@given(
    prefix=st.sampled_from(["", "+86", "86", "+86 "]),
    digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    sep=st.sampled_from(["", " ", "-"]),
)
def test_mask_phone_never_reveals_more_than_seven_digits_of_a_mobile(
    prefix: str, digits: str, sep: str
) -> None:
    raw = prefix + sep.join([digits[:3], digits[3:7], digits[7:]])
    masked = mask_phone(raw)
    assert len(re.findall(r"\d", masked)) <= 7
    assert masked == f"{digits[:3]}****{digits[7:]}"


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_mask_phone_hides_the_middle_of_any_eleven_digits(digits: str) -> None:
    assert len(re.findall(r"\d", mask_phone(digits))) <= 7


def test_mask_id_number() -> None:
    assert mask_id_number(VALID_RIC) == "110105********002X"
    assert mask_id_number("110105491231002") == "110105*****1002"
    assert mask_id_number("E12345678") == "E1*****78"
    assert mask_id_number("AB123") == "A***3"
    assert mask_id_number("AB") == "**"
    assert mask_id_number("") == ""


@given(st.text(alphabet="0123456789X", min_size=3, max_size=30))
def test_mask_id_number_keeps_length_and_hides_something(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert "*" in masked


# --------------------------------------------------------------------------- limitation


@pytest.mark.parametrize(
    ("purchase", "received", "warns"),
    [
        (date(2023, 3, 2), date(2026, 3, 2), False),  # exactly 3 years: last day of the period
        (date(2023, 3, 1), date(2026, 3, 2), True),
        (date(2023, 3, 3), date(2026, 3, 2), False),
        (date(2024, 2, 29), date(2027, 2, 28), False),
        (date(2024, 2, 29), date(2027, 3, 1), True),
        (date(2020, 2, 29), date(2023, 2, 28), False),
        (date(2020, 2, 29), date(2023, 3, 1), True),
        (date(2025, 10, 1), date(2026, 3, 2), False),
        (date(2010, 1, 1), date(2026, 3, 2), True),
        (None, date(2026, 3, 2), False),
    ],
)
def test_limitation_warning(purchase: date | None, received: date, warns: bool) -> None:
    message = limitation_warning(purchase, received)
    assert (message is not None) is warns
    if warns:
        assert purchase.isoformat() in message


# --------------------------------------------------------------------------- text


def test_text_too_long_names_limit_and_length() -> None:
    problem = check_text("facts", "字" * 100_000, MAX_LEN["facts"])
    assert problem is not None
    assert problem.code == "too_long"
    assert problem.field == "facts"
    assert problem.severity is Severity.ERROR
    assert "100000" in problem.message
    assert str(MAX_LEN["facts"]) in problem.message


def test_windows_line_endings_are_accepted() -> None:
    assert check_text("facts", "第一行\r\n第二行\t备注", MAX_LEN["facts"]) is None


def test_text_at_the_limit_is_fine() -> None:
    assert check_text("name", "张" * MAX_LEN["name"], MAX_LEN["name"]) is None
    assert check_text("name", "张" * (MAX_LEN["name"] + 1), MAX_LEN["name"]) is not None


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_rejected(char: str) -> None:
    problem = check_text("request", f"退货{char}退款", MAX_LEN["request"])
    assert problem is not None
    assert problem.code == "control_char"


@pytest.mark.parametrize(
    "text",
    [
        "吉𠮷家",
        "很满意😀👍🏽",
        "👨‍👩‍👧 一家人",
        "第一行\n第二行\t缩进",
        "O'Brien; DROP TABLE cases; --",
        "",
    ],
)
def test_acceptable_text(text: str) -> None:
    assert check_text("facts", text, MAX_LEN["facts"]) is None


def test_astral_characters_count_as_one() -> None:
    assert check_text("name", "𠮷" * MAX_LEN["name"], MAX_LEN["name"]) is None


def test_max_len_limits() -> None:
    assert MAX_LEN["name"] == 50
    assert MAX_LEN["address"] == 200
    assert MAX_LEN["request"] == 2000
    assert MAX_LEN["facts"] == 20000
    assert MAX_LEN["merchant_name"] == 200


# --------------------------------------------------------------------------- whole cases


def complaint() -> dict:
    return {
        "kind": "complaint",
        "channel": "walk_in",
        "received_at": "2026-03-02 09:30",
        "work_order_no": "",
        "work_order_due": "2026-03-09",
        "complainants": [
            {
                "name": "张三",
                "gender": "male",
                "phone": "13812346721",
                "address": "江西省九江市德安县某村",
                "id_type": "resident_id",
                "id_number": VALID_RIC,
            }
        ],
        "agent": None,
        "merchant": {
            "name": "德安县某电器商行",
            "uscc": VALID_USCC,
            "address": "德安县某街1号",
            "phone": "0792-4321234",
            "legal_rep": "李四",
            "platform": "",
            "shop_url": "",
            "cluster_registered": False,
        },
        "goods_or_service": "goods",
        "category": "家用电子电器类",
        "problem_nature": "质量",
        "purchase_date": "2025-10-01",
        "purchase_place": "德安县某电器商行",
        "amount": "1299.50",
        "request": "退货退款",
        "facts": "购买的电视机一周后无法开机。",
        "consent_publish": False,
        "consent_mediation": True,
        "consent_entrusted": False,
        "override_uscc_warning": False,
    }


def report() -> dict:
    return {
        "kind": "report",
        "channel": "phone",
        "received_at": "2026-03-01T16:05:00",
        "complainants": [{"name": "", "phone": "0792-4321234"}],
        "merchant": {"name": "某超市"},
        "facts": "超市销售过期食品。",
    }


def consultation() -> dict:
    return {
        "kind": "consultation",
        "channel": "phone",
        "received_at": "2026-03-02 10:00:00",
        "complainants": [{"phone": "13812346721"}],
        "facts": "网购商品七天无理由退货怎么办理？",
    }


CLASSIFICATION = {
    "goods": ["家用电子电器类", "食品类"],
    "services": ["生活社会服务类"],
    "natures": ["质量", "价格"],
}


@pytest.mark.parametrize("make", [complaint, report, consultation])
def test_valid_cases_have_no_problems(make) -> None:
    assert validate_case(make(), today=TODAY) == []
    assert validate_case(make(), today=TODAY, classification=CLASSIFICATION) == []


def test_complaint_missing_fields_are_named() -> None:
    data = complaint()
    data["complainants"][0]["name"] = " "
    data["complainants"][0]["phone"] = ""
    data["merchant"]["name"] = ""
    data["request"] = ""
    del data["facts"]
    problems = validate_case(data, today=TODAY)
    assert codes(problems) == {
        ("complainants[0].name", "required"),
        ("complainants[0].phone", "required"),
        ("merchant.name", "required"),
        ("request", "required"),
        ("facts", "required"),
    }
    assert has_errors(problems)
    for p in problems:
        assert p.message and p.severity is Severity.ERROR


def test_complaint_needs_a_complainant() -> None:
    data = complaint()
    data["complainants"] = []
    data["merchant"] = None
    assert codes(validate_case(data, today=TODAY)) == {
        ("complainants", "required"),
        ("merchant.name", "required"),
    }


def test_complaint_phone_needed_on_one_complainant_only() -> None:
    data = complaint()
    data["complainants"].append({"name": "张三之妻", "gender": "female"})
    assert validate_case(data, today=TODAY) == []


def test_kind_channel_received_required_and_valid() -> None:
    assert fields(validate_case({}, today=TODAY)) == {"kind", "channel", "received_at"}
    data = complaint()
    data["kind"] = "praise"
    data["channel"] = "fax"
    data["received_at"] = "2026/03/02"
    assert codes(validate_case(data, today=TODAY)) == {
        ("kind", "invalid_choice"),
        ("channel", "invalid_choice"),
        ("received_at", "invalid_datetime"),
    }


@pytest.mark.parametrize(
    "value",
    ["2026-03-02 09:30", "2026-03-02 09:30:15", "2026-03-02T09:30", "2026-03-03 23:59"],
)
def test_received_at_accepted_forms(value: str) -> None:
    data = complaint()
    data["received_at"] = value
    assert validate_case(data, today=TODAY) == []


@pytest.mark.parametrize("value", ["2026-03-04 00:00", "2027-03-02 09:30"])
def test_received_at_in_the_future(value: str) -> None:
    data = complaint()
    data["received_at"] = value
    data["work_order_due"] = ""
    assert codes(validate_case(data, today=TODAY)) == {("received_at", "in_future")}


@pytest.mark.parametrize("value", ["2026-02-30 09:30", "2026-03-02 25:00", "yesterday", 20260302])
def test_received_at_unparseable(value) -> None:
    data = complaint()
    data["received_at"] = value
    assert ("received_at", "invalid_datetime") in codes(validate_case(data, today=TODAY))


def test_transfer_12345_needs_work_order_number() -> None:
    data = complaint()
    data["channel"] = "transfer_12345"
    assert codes(validate_case(data, today=TODAY)) == {("work_order_no", "required")}
    data["work_order_no"] = "GD2026030200123"
    assert validate_case(data, today=TODAY) == []


def test_work_order_due_before_receipt() -> None:
    data = complaint()
    data["work_order_due"] = "2026-03-01"
    assert codes(validate_case(data, today=TODAY)) == {("work_order_due", "date_order")}


def test_report_rules() -> None:
    data = report()
    data["complainants"] = []
    data["merchant"] = {"name": ""}
    data["facts"] = ""
    assert codes(validate_case(data, today=TODAY)) == {
        ("complainants[0].phone", "required"),
        ("merchant.name", "required"),
        ("facts", "required"),
    }


def test_anonymous_report_needs_no_phone() -> None:
    data = report()
    data["complainants"] = []
    data["anonymous"] = True
    assert validate_case(data, today=TODAY) == []


def test_consultation_rules() -> None:
    data = consultation()
    data["complainants"] = [{"name": "", "phone": ""}]
    data["facts"] = ""
    assert codes(validate_case(data, today=TODAY)) == {
        ("complainants", "required"),
        ("facts", "required"),
    }
    data = consultation()
    data["complainants"] = [{"name": "王五"}]
    assert validate_case(data, today=TODAY) == []


def test_complainant_phone_and_ids() -> None:
    data = complaint()
    person = data["complainants"][0]
    person["phone"] = "1381234672"
    person["id_number"] = wrong_check(VALID_RIC, "0123456789X")
    person["gender"] = "m"
    assert codes(validate_case(data, today=TODAY)) == {
        ("complainants[0].phone", "phone_invalid"),
        ("complainants[0].id_number", "ric_invalid"),
        ("complainants[0].gender", "invalid_choice"),
    }


def test_lowercase_x_resident_id_in_case() -> None:
    data = complaint()
    data["complainants"][0]["id_number"] = VALID_RIC.lower()
    assert validate_case(data, today=TODAY) == []


def test_other_id_types_only_checked_for_length() -> None:
    data = complaint()
    person = data["complainants"][0]
    person["id_type"] = "passport"
    person["id_number"] = "E12345678"
    assert validate_case(data, today=TODAY) == []
    person["id_number"] = "P" * 31
    assert codes(validate_case(data, today=TODAY)) == {("complainants[0].id_number", "too_long")}


def test_id_number_without_type() -> None:
    data = complaint()
    data["complainants"][0]["id_type"] = ""
    assert codes(validate_case(data, today=TODAY)) == {("complainants[0].id_type", "required")}


def test_agent_checked_when_given() -> None:
    data = complaint()
    data["agent"] = {"name": "", "phone": "12", "id_type": "", "id_number": "", "address": ""}
    assert codes(validate_case(data, today=TODAY)) == {
        ("agent.name", "required"),
        ("agent.phone", "phone_invalid"),
    }
    data["agent"] = {"name": "", "phone": "", "id_type": "", "id_number": "", "address": ""}
    assert validate_case(data, today=TODAY) == []


def test_sql_metacharacters_in_names_are_fine() -> None:
    data = complaint()
    data["complainants"][0]["name"] = "O'Brien; DROP TABLE cases; --"
    data["merchant"]["name"] = 'Robert"); DELETE FROM merchants; --'
    assert validate_case(data, today=TODAY) == []


@pytest.mark.parametrize("amount", ["0", "0.05", "1299.5", "1299.50", 0, 1299, 0.1, 12.5, None, ""])
def test_good_amounts(amount) -> None:
    data = complaint()
    data["amount"] = amount
    assert validate_case(data, today=TODAY) == []


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("-1", "amount_range"),
        (-1, "amount_range"),
        ("1.234", "amount_precision"),
        (1.234, "amount_precision"),
        (1e-7, "amount_precision"),
        ("abc", "amount_invalid"),
        ("1,2,99", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("Infinity", "amount_invalid"),
        ("1e3", "amount_invalid"),
        ("1_000", "amount_invalid"),
        (float("nan"), "amount_invalid"),
        (float("inf"), "amount_invalid"),
        (True, "amount_invalid"),
        ([1], "amount_invalid"),
        (1e12, "amount_range"),
        ("100000000.01", "amount_range"),
    ],
)
def test_bad_amounts(amount, code: str) -> None:
    data = complaint()
    data["amount"] = amount
    assert codes(validate_case(data, today=TODAY)) == {("amount", code)}


def test_amount_upper_bound_is_inclusive() -> None:
    data = complaint()
    data["amount"] = "100000000"
    assert validate_case(data, today=TODAY) == []


def test_purchase_date_rules() -> None:
    data = complaint()
    data["purchase_date"] = "2026-03-05"
    assert codes(validate_case(data, today=TODAY)) == {("purchase_date", "date_order")}
    data["purchase_date"] = "2025-13-01"
    assert codes(validate_case(data, today=TODAY)) == {("purchase_date", "invalid_date")}
    data["purchase_date"] = "2022-01-15"
    problems = validate_case(data, today=TODAY)
    assert codes(problems) == {("purchase_date", "limitation")}
    assert problems[0].severity is Severity.WARNING
    assert not has_errors(problems)


def test_purchase_on_leap_day_three_years_before() -> None:
    data = complaint()
    data["purchase_date"] = "2024-02-29"
    data["work_order_due"] = ""
    data["received_at"] = "2027-02-28 10:00"
    assert validate_case(data, today=date(2027, 2, 28)) == []
    data["received_at"] = "2027-03-01 10:00"
    assert codes(validate_case(data, today=date(2027, 3, 1))) == {("purchase_date", "limitation")}


def test_uscc_in_case() -> None:
    data = complaint()
    data["merchant"]["uscc"] = wrong_check(VALID_USCC, "0123456789ABCDEFGHJKLMNPQRTUWXY")
    problems = validate_case(data, today=TODAY)
    assert codes(problems) == {("merchant.uscc", "uscc_checksum")}
    assert problems[0].severity is Severity.WARNING
    assert not has_errors(problems)
    data["override_uscc_warning"] = True
    assert validate_case(data, today=TODAY) == []
    data["merchant"]["uscc"] = "91110108551385O82Q"
    problems = validate_case(data, today=TODAY)
    assert codes(problems) == {("merchant.uscc", "uscc_invalid")}
    assert has_errors(problems)


def test_merchant_phone_validated() -> None:
    data = complaint()
    data["merchant"]["phone"] = "0792-12"
    assert codes(validate_case(data, today=TODAY)) == {("merchant.phone", "phone_invalid")}


def test_classification_only_checked_when_given() -> None:
    data = complaint()
    data["category"] = "不存在的类别"
    data["problem_nature"] = "不存在"
    assert validate_case(data, today=TODAY) == []
    assert codes(validate_case(data, today=TODAY, classification=CLASSIFICATION)) == {
        ("category", "unknown_category"),
        ("problem_nature", "unknown_nature"),
    }
    data = complaint()
    data["category"] = "生活社会服务类"  # a service category for goods
    assert codes(validate_case(data, today=TODAY, classification=CLASSIFICATION)) == {
        ("category", "unknown_category")
    }


def test_text_limits_in_case() -> None:
    data = complaint()
    data["facts"] = "事" * 100_000
    data["complainants"][0]["name"] = "张" * 51
    data["merchant"]["name"] = "店" * 201
    data["request"] = "退款\x00"
    assert codes(validate_case(data, today=TODAY)) == {
        ("facts", "too_long"),
        ("complainants[0].name", "too_long"),
        ("merchant.name", "too_long"),
        ("request", "control_char"),
    }


def test_unicode_names_accepted_in_case() -> None:
    data = complaint()
    data["complainants"][0]["name"] = "吉𠮷"
    data["facts"] = "很生气😡，要求退款。"
    assert validate_case(data, today=TODAY) == []


def test_unknown_keys_ignored_and_input_not_modified() -> None:
    data = complaint()
    data["something_new"] = {"x": 1}
    before = copy.deepcopy(data)
    assert validate_case(data, today=TODAY) == []
    assert data == before


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("complainants", "张三", "complainants"),
        ("merchant", "某商行", "merchant"),
        ("consent_publish", "yes", "consent_publish"),
        ("facts", ["a"], "facts"),
    ],
)
def test_wrong_json_types_are_errors_not_crashes(key: str, value, field: str) -> None:
    data = complaint()
    data[key] = value
    problems = validate_case(data, today=TODAY)
    assert field in fields(problems, Severity.ERROR)


def test_non_dict_case() -> None:
    problems = validate_case([], today=TODAY)  # type: ignore[arg-type]
    assert has_errors(problems)


def test_has_errors() -> None:
    warning = Problem("purchase_date", Severity.WARNING, "w", "limitation")
    error = Problem("facts", Severity.ERROR, "e", "required")
    assert not has_errors([])
    assert not has_errors([warning])
    assert has_errors([warning, error])
    assert has_errors(iter([error]))


def test_messages_name_the_field() -> None:
    data = complaint()
    data["complainants"][0]["phone"] = "12"
    (problem,) = validate_case(data, today=TODAY)
    assert problem.message.startswith(field_label("complainants[0].phone", "complaint"))
    assert field_label("complainants[0].phone", "complaint") != field_label("merchant.phone")


def test_future_received_date_is_relative_to_today() -> None:
    data = complaint()
    data["received_at"] = (TODAY + timedelta(days=1)).isoformat() + " 08:00"
    assert validate_case(data, today=TODAY) == []


def test_numbers_in_free_text_are_masked_and_nothing_else():
    from station_app.validation import mask_numbers_in_text

    text = (
        "id 11010519491231002X old 110105491231002; 电话13812346721无效 +86 139 1234 5678 "
        "0791-88886666 | row 0193a5b2-7c1d-7e55-9a8b-123456789012 at 2026-03-02T09:30:00 "
        "ms 1764531211000 line 123 amount 1299.50"
    )
    assert mask_numbers_in_text(text) == (
        "id 110105********002X old 110105*****1002; 电话138****6721无效 139****5678 "
        "0791-****6666 | row 0193a5b2-7c1d-7e55-9a8b-123456789012 at 2026-03-02T09:30:00 "
        "ms 1764531211000 line 123 amount 1299.50"
    )
