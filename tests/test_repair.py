"""The repair stage: real sentences mojibaked through every codec family come back exactly, clean
text in many scripts and typography never moves, the trace names the codec undone."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.config import CleanerConfig
from cleaner.repair import repair, repair_and_explain
from conftest import shared_path

# Real sentences, one per language a codec was made for (UDHR article 1 and news-style text).
THAI = "มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักดิ์และสิทธิ"
RUSSIAN = "Все люди рождаются свободными и равными в своем достоинстве и правах."
UKRAINIAN = "Всі люди народжуються вільними і рівними у своїй гідності та правах."
GREEK = "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια και τα δικαιώματα."
HEBREW = "כל בני האדם נולדו בני חורין ושווים בערכם ובזכויותיהם."
ARABIC = "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق."
VIETNAMESE = "Tất cả mọi người sinh ra đều được tự do và bình đẳng về nhân phẩm và quyền."
GERMAN = "Alle Menschen sind frei und gleich an Würde und Rechten geboren – so heißt es."
ENGLISH = "“It’s over,” she said — and that was all… for now."

# (codec name in the trace, Python codec used to corrupt, sentence, fill undefined bytes as C1)
CASES = [
    ("cp874", "cp874", THAI, True),
    ("cp874", "iso8859_11", THAI, True),
    ("cp874", "cp874", ENGLISH, True),
    ("cp1255", "cp1255", HEBREW, True),
    ("cp1256", "cp1256", ARABIC, False),
    ("cp1258", "cp1258", VIETNAMESE, True),
    ("koi8_r", "koi8_r", RUSSIAN, False),
    ("koi8_u", "koi8_u", UKRAINIAN, False),
    ("cp866", "cp866", RUSSIAN, False),
    ("iso8859_5", "iso8859_5", RUSSIAN, False),
    ("iso8859_7", "iso8859_7", GREEK, True),
    ("mac_cyrillic", "mac_cyrillic", RUSSIAN, False),
    ("cp850", "cp850", GERMAN, False),
]


def misread(text: str, codec: str, sloppy: bool) -> str:
    """``text``'s UTF-8 bytes decoded as ``codec``, undefined bytes kept as C1 controls."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            assert sloppy, f"{codec} leaves byte {byte:#x} undefined"
            out.append(chr(byte))
    return "".join(out)


@pytest.mark.parametrize("rule, codec, text, sloppy", CASES, ids=[f"{c.values[0] if hasattr(c, 'values') else c[0]}-{c.values[1] if hasattr(c, 'values') else c[1]}" for c in CASES])
def test_paragraph_misread_as_codec_comes_back(rule, codec, text, sloppy):
    broken = misread(text, codec, sloppy)
    assert broken != text
    fixed, changes = repair_and_explain(broken)
    assert fixed == text
    assert {change.rule for change in changes} == {f"mojibake:{rule}"}


@pytest.mark.parametrize("rule, codec, text, sloppy", CASES, ids=[f"{c.values[0] if hasattr(c, 'values') else c[0]}-{c.values[1] if hasattr(c, 'values') else c[1]}" for c in CASES])
def test_span_misread_inside_clean_text_comes_back(rule, codec, text, sloppy):
    words = text.split(" ")
    pairs = [" ".join(words[i:i + 2]) for i in range(1, len(words) - 1)]
    phrase = next(p for p in pairs if not p.isascii()) if len(words) > 3 else text[4:12]
    broken = text.replace(phrase, misread(phrase, codec, sloppy), 1)
    assert broken != text
    assert repair(broken) == text


def test_trace_names_codec_and_line():
    broken = "title\n" + misread(RUSSIAN, "koi8_r", False)
    fixed, changes = repair_and_explain(broken)
    assert fixed == "title\n" + RUSSIAN
    assert [(c.rule, c.line) for c in changes] == [("mojibake:koi8_r", 2)]
    assert changes[0].after in RUSSIAN


def test_em_dash_read_as_windows_874_in_english():
    assert repair('ties was "possible and necessary" โ€” this after') == \
        'ties was "possible and necessary" — this after'


def test_ftfy_codecs_still_repaired_and_spans_ftfy_misses():
    import ftfy

    assert repair("The cafÃ© is open") == "The café is open"
    # cp1251 mojibake of a Russian word inside clean English text: ftfy leaves it.
    text = "The Russian word свобода means freedom."
    broken = text.replace("свобода", "свобода".encode("utf-8").decode("cp1251"))
    assert ftfy.fix_encoding(broken) != text
    fixed, changes = repair_and_explain(broken)
    assert fixed == text
    assert [c.rule for c in changes] == ["mojibake:cp1251"]


# Clean text never moves ------------------------------------------------------------------------

CLEAN = [
    THAI, RUSSIAN, UKRAINIAN, GREEK, HEBREW, ARABIC, VIETNAMESE, GERMAN, ENGLISH,
    # Thai glued to Latin words, quotes, currency and digits, as Thai web text writes it.
    "ครอบครัวTesla มนุษย์เป็นหลักOKความยุติธรรม",
    "ว่า“คำพูด”และ‘คำ’ — ราคา100€ • ลด 20%…",
    "เธอบอกว่าเกมนี้ดีมาก เขตแดนเคยเป็นของไทย",
    "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心。",
    "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
    "모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다.",
    "Всё её моё — пёс, «ёлка» и № 5; Ґанок, їжак, є.",
    "ΠΡΟΟΊΜΙΟ: Η Γενική Συνέλευση — «Οικουμενική Διακήρυξη»",
    "Γιάννης: ‘ναι’ ή “όχι”; 5€, 10°C, ±2, ½ ώρα",
    "שלום, צ׳יפס ו־ג׳ירפה: “כן” — ₪50",
    "قال: «نعم»، وذهب؟ ٪٥٠ — پیام فارسی، گزارش",
    "Tiếng Việt: ươ, Đà Nẵng — “xin chào”…",
    "Dråber, naïve café, façade, Øresund, Łódź, Straße, Ærø, İstanbul, ŞİŞLİ",
    "“Curly” ‘single’ – en — em … • bullets ™ ® © ° ± × ÷ ½ ¼ ¾ ² ³ € £ ¥ ¢ § ¶ † ‡ ‰ ′ ″",
    "  two  spaces\t\ttabs  ",
    "├┤a┼┐a┼┐a┼┐a┼┐a",
    "मनुष्य स्वतंत्र पैदा होता है । सबके अधिकार समान हैं।",
    # Dashes glued between words and numbers, as real text writes them.
    "Москва—Петербург, 1990–2000, Ростов–на–Дону: Жуков—Рокоссовский—Конев",
    "Strukturformel H₃C–O–CH₃; x—y plane; pages 12–14; the A–Z guide",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_is_unchanged(text):
    assert repair_and_explain(text) == (text, [])


def test_clean_multilingual_corpus_is_unchanged():
    folder = shared_path("bench", "multiling")
    changed = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        fixed, changes = repair_and_explain(text)
        if fixed != text:
            changed.append((path.name, changes[:3]))
    assert not changed


# The evidence machinery ------------------------------------------------------------------------

def test_shape_gives_every_table_character_its_byte():
    from cleaner.mojibake import _shape, codecs

    for codec in codecs():
        characters = "".join(codec.byte_of)
        assert list(_shape(codec, characters)) == [codec.byte_of[c] for c in characters], codec.name


@pytest.mark.parametrize("codec", sorted({case[1] if isinstance(case, tuple) else case.values[1]
                                          for case in CASES}))
def test_evidence_bound_is_never_below_the_evidence_found(codec):
    """The bound lets codecs be skipped; were it ever below a codec's evidence, a repair or a
    rival could be missed."""
    from cleaner.mojibake import _evidence_bound, _bound_tables, _readings, _shape, codecs
    from cleaner.mojibake.evidence import weirdness_profile

    for text in (THAI, RUSSIAN, GREEK, HEBREW, ARABIC, VIETNAMESE, GERMAN, ENGLISH):
        try:
            line = misread(text, codec, sloppy=True)
        except UnicodeEncodeError:
            continue
        profile = weirdness_profile(line)
        for candidate in codecs():
            shape = _shape(candidate, line)
            bound = _evidence_bound(shape, *_bound_tables(profile))
            repairs, readings = _readings(candidate, line, profile, shape)
            assert sum(r.gain for r in readings if r.gain > 0) <= bound, (candidate.name, text)


# Lost bytes ------------------------------------------------------------------------------------

def test_lost_quote_byte_is_restored_only_when_asked_and_certain():
    broken = "He said â€œyesâ€\ufffd and left."
    on = CleanerConfig(restore_lost_bytes=True)
    fixed, changes = repair_and_explain(broken, on)
    assert fixed == "He said “yes” and left."
    assert changes[0].rule == "mojibake:cp1252:lost_byte"
    assert "”" not in repair(broken)  # off by default: the byte stays lost
    # A lost byte without a partner quote could be several characters: left alone.
    lone = "A lone â€\ufffd stays."
    assert repair(lone, on) == repair(lone)


def test_lost_byte_in_thai_reading_uses_the_partner_quote():
    on = CleanerConfig(restore_lost_bytes=True)
    assert repair("เขาพูดว่า “ใช่โ€\ufffd แล้ว", on) == "เขาพูดว่า “ใช่” แล้ว"


# Properties ------------------------------------------------------------------------------------

ALPHABET = st.characters(codec=None, categories=None) | st.sampled_from(
    list("ÃÂâ€œ™©®°±¸¹¼½¾¿ÐÑ×ØÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ\x81\x8d\x90\x9d\ufffd"
         "เธนโใไแ็่้๊๋์ะาำิีึืุูัภพยรลวศษสหฬอฮ╟╚╔═║┌┐└┘├┤┬┴┼пярстужвьызшэщчъ\ud800\n ")
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_repair_never_raises_is_idempotent_and_keeps_lines(text):
    fixed = repair(text)
    assert repair(fixed) == fixed
    assert fixed.count("\n") == text.count("\n")


def test_huge_line_and_controls_do_not_raise():
    text = ("é\x85\x9d\ud800 " * 20000) + "โ€”"
    assert repair(text).endswith("—")
    assert cleaner.repair("") == ""
