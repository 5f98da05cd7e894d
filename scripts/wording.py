"""Reading the numbers in a figure's wording (`value_text`), in English, Russian, Belarusian, Ukrainian,
Polish or German: `numbers()` gives every number in order, `magnitude()` the order-of-magnitude word and
`bound()` the qualifier that a bound word gives ("no more than" up_to, "более" more_than, "около" approximately).

Digits. Groups may be separated by a comma, a dot, a space, a no-break space (U+00A0) or a narrow
no-break space (U+202F); a space joins groups only when every group after it has exactly three digits
("7 000", but "305 2020" is two numbers). A comma or dot is a decimal mark when it is the last separator
and is followed by one or two digits ("6,8", "80.23") or follows a lone "0" ("0.125"). Every other
separator is removed: a separator before exactly three digits is a thousands separator ("7,000",
"7.000", "1,234 тыс." = 1 234 000), and a malformed grouping is read with its separators removed
("100,0000" = 1 000 000, a typo kept as printed). Signs, percent and currency marks are ignored; years
and numbers such as "№ 305" are returned like any other (the caller decides).

Words. Number words from zero to twenty (with the common case forms), the words for one and a half
(полтора, półtora, anderthalb ...) and сто/sto = 100 are numbers. A multiplier word or abbreviation
(thousand, тыс., Mio. ...: MULTIPLIERS) multiplies the number right before it, and several multiply in
turn ("two hundred thousand"); "k" and "m" count only directly after a digit ("7k", "2.5m").
A singular multiplier word with no number before it stands for itself ("тысяча", "over a thousand",
"около миллиона") unless a vague quantifier precedes it ("several thousand", "mehrere tausend");
тысячи/тысячы/тисячі are one thousand only right after a preposition that takes the genitive ("около
тысячи"); otherwise they are the order-of-magnitude word "thousands" and give no number, as do plural
and abbreviated multipliers on their own. Words match whole, case-insensitively; ё may be written е.

Ranges. In "65-70 тысяч", "from 2 to 3 million", "между 5 и 10 тыс." (two numbers joined by a hyphen or
dash, or by to/до/да/do/bis/and/и/і/i/und/or/или ...) a multiplier after the second number also applies
to the first, when the first has none of its own and is not larger than the second.
Compound number words above twenty ("twenty-five") are not combined.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

# Number words 0..20 per language: 21 entries separated by spaces, the forms of one number joined by "|".
_WORDS_0_20 = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen twenty",
    "ru": "ноль|нуль один|одна|одно|одного|одной|одному|одну|одним два|две|двух|двум|двумя три|трёх|трём|тремя "
          "четыре|четырёх|четырём|четырьмя пять|пяти|пятью шесть|шести|шестью семь|семи восемь|восьми|восемью "
          "девять|девяти|девятью десять|десяти|десятью одиннадцать|одиннадцати двенадцать|двенадцати "
          "тринадцать|тринадцати четырнадцать|четырнадцати пятнадцать|пятнадцати шестнадцать|шестнадцати "
          "семнадцать|семнадцати восемнадцать|восемнадцати девятнадцать|девятнадцати двадцать|двадцати",
    "be": "нуль адзін|адна|адно|аднаго|адной|адну|аднаму два|дзве|двух|дзвюх|двума тры|трох|тром|трыма "
          "чатыры|чатырох|чатыром|чатырма пяць|пяці шэсць|шасці сем|сямі восем|васьмі дзевяць|дзевяці "
          "дзесяць|дзесяці адзінаццаць|адзінаццаці дванаццаць|дванаццаці трынаццаць|трынаццаці "
          "чатырнаццаць|чатырнаццаці пятнаццаць|пятнаццаці шаснаццаць|шаснаццаці сямнаццаць|сямнаццаці "
          "васямнаццаць|васямнаццаці дзевятнаццаць|дзевятнаццаці дваццаць|дваццаці",
    "uk": "нуль один|одна|одне|одного|однієї|одній|одну|одним два|дві|двох|двом|двома три|трьох|трьом|трьома "
          "чотири|чотирьох|чотирьом|чотирма п'ять|п'яти|п'ятьох шість|шести|шістьох сім|семи|сімох "
          "вісім|восьми|вісьмох дев'ять|дев'яти|дев'ятьох десять|десяти|десятьох одинадцять|одинадцяти "
          "дванадцять|дванадцяти тринадцять|тринадцяти чотирнадцять|чотирнадцяти п'ятнадцять|п'ятнадцяти "
          "шістнадцять|шістнадцяти сімнадцять|сімнадцяти вісімнадцять|вісімнадцяти дев'ятнадцять|дев'ятнадцяти "
          "двадцять|двадцяти",
    "pl": "zero jeden|jedna|jedno|jednego|jednej|jedną|jednym|jednemu dwa|dwie|dwóch|dwu|dwoma|dwaj "
          "trzy|trzech|trzema|trzej cztery|czterech|czterema|czterej pięć|pięciu sześć|sześciu siedem|siedmiu "
          "osiem|ośmiu dziewięć|dziewięciu dziesięć|dziesięciu jedenaście|jedenastu dwanaście|dwunastu "
          "trzynaście|trzynastu czternaście|czternastu piętnaście|piętnastu szesnaście|szesnastu "
          "siedemnaście|siedemnastu osiemnaście|osiemnastu dziewiętnaście|dziewiętnastu dwadzieścia|dwudziestu",
    "de": "null eins|ein|eine|einen|einem|einer|eines zwei drei vier fünf sechs sieben acht neun zehn elf zwölf "
          "dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig",
}
_OTHER_WORDS = {1.5: "полтора полторы полутора паўтара паўтары півтора півтори półtora półtorej anderthalb eineinhalb",
                100: "сто ста sto stu"}
MULTIPLIERS = {  # value: words and abbreviations (an abbreviation's dot is ignored like other punctuation)
    100: "hundred hundert",
    1000: "thousand thousands k тысяча тысячи тысяч тысячу тыс тысячы тисяча тисячі тисяч тисячу тис "
          "tysiąc tysiąca tysiące tysięcy tys tausend tausende tsd",
    1_000_000: "million millions mln m миллион миллиона миллионов миллионы млн мільён мільёна мільёнаў мільёны "
               "мільйон мільйона мільйонів мільйони milion miliona miliony milionów millionen mio",
}
STANDALONE = set("hundred hundert thousand тысяча тысячу тисяча тисячу tysiąc tysiąca tausend million миллион "
                 "миллиона мільён мільёна мільйон мільйона milion miliona".split())
GENITIVE_ONLY = {"тысячи", "тысячы", "тисячі"}  # also the plural "thousands"
GENITIVE_PREPOSITIONS = set("около более свыше больше менее меньше порядка до от из каля больш болей звыш менш да "
                            "ад з близько біля більше менше від із".split())
VAGUE = set("several few some couple many mehrere einige paar etliche несколько нескольких некалькі "
            "некалькіх кілька кількох kilka kilku".split())
ATTACHED = {"k", "m"}  # multipliers only directly after a digit
CONNECTORS = set("to and or до да и или і та або do i albo lub bis und oder".split())
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015"

MAGNITUDE_WORDS: dict[str, list[str]] = {
    "dozens": ["dozens", "десятки", "десятков", "дзясяткі", "дзясяткаў", "десятків", "dziesiątki", "dziesiątek",
               "Dutzende"],
    "hundreds": ["hundreds", "сотни", "сотен", "сотні", "соцень", "сотень", "setki", "setek", "Hunderte"],
    "several_thousand": ["several thousand", "a few thousand", "несколько тысяч", "нескольких тысяч",
                         "некалькі тысяч", "некалькіх тысяч", "кілька тисяч", "кількох тисяч", "kilka tysięcy",
                         "kilku tysięcy", "mehrere tausend", "einige tausend"],
    "thousands": ["thousands", "тысячи", "тысячы", "тисячі", "tysiące", "Tausende"],
    "tens_of_thousands": ["tens of thousands", "десятки тысяч", "десятков тысяч", "дзясяткі тысяч",
                          "дзясяткаў тысяч", "десятки тисяч", "десятків тисяч", "dziesiątki tysięcy",
                          "dziesiątek tysięcy", "Zehntausende"],
    "hundreds_of_thousands": ["hundreds of thousands", "сотни тысяч", "сотен тысяч", "сотні тысяч",
                              "соцень тысяч", "сотні тисяч", "сотень тисяч", "setki tysięcy", "setek tysięcy",
                              "Hunderttausende"],
}


# Words that state how the number bounds the count, by the qualifier they give. A negated comparative is
# the opposite bound ("no more than 5,000" is up_to, "не менее" at_least); the longest phrase found wins.
# Short words that are often something else ("do", "some", "fast", "ca") are left out on purpose.
BOUND_WORDS: dict[str, list[str]] = {
    "up_to": ["up to", "no more than", "not more than", "at most", "до", "не более", "не больше", "не болей",
              "не больш", "не больше чем", "не більше", "не більш", "nie więcej niż", "maksymalnie", "bis zu",
              "nicht mehr als", "höchstens"],
    "more_than": ["more than", "over", "above", "upwards of", "более", "свыше", "больше", "больш", "болей", "звыш",
                  "больш за", "понад", "більше", "більш", "більше ніж", "ponad", "powyżej", "mehr als", "über"],
    "at_least": ["at least", "no less than", "not less than", "не менее", "не меньше", "как минимум",
                 "по меньшей мере", "не менш", "не менше", "щонайменше", "принаймні", "як мінімум", "co najmniej",
                 "przynajmniej", "mindestens", "wenigstens"],
    "nearly": ["nearly", "almost", "почти", "амаль", "майже", "prawie", "beinahe", "knapp"],
    "approximately": ["about", "around", "approximately", "roughly", "около", "примерно", "приблизительно",
                      "порядка", "каля", "прыкладна", "близько", "приблизно", "біля", "około", "rund", "etwa",
                      "ungefähr", "circa", "~"],
}


def _phrases(words: dict[str, list[str]]) -> tuple[re.Pattern, dict[str, str]]:
    """One pattern matching every phrase whole (longest first, any run of spaces), and phrase -> code."""
    phrases = sorted((p for ps in words.values() for p in ps), key=len, reverse=True)
    pattern = re.compile("|".join(r"(?<!\w)" + r"\s+".join(map(re.escape, p.split())) + r"(?!\w)" for p in phrases),
                         re.IGNORECASE)
    return pattern, {p.lower(): code for code, ps in words.items() for p in ps}


def _table(pairs) -> dict[str, Decimal]:
    """Word -> value, each word also with ё written е; a word with two values is a mistake in the tables."""
    table: dict[str, Decimal] = {}
    for value, forms in pairs:
        for word in {f for form in forms for f in (form, form.replace("ё", "е"))}:
            assert table.get(word, value) == value, f"{word!r} has two values"
            table[word] = Decimal(str(value))
    return table


NUMBER_WORDS = _table([(n, entry.split("|")) for words in _WORDS_0_20.values()
                       for n, entry in enumerate(words.split())]
                      + [(v, words.split()) for v, words in _OTHER_WORDS.items()])
MULTIPLIER_WORDS = _table([(v, words.split()) for v, words in MULTIPLIERS.items()])
assert all(len(words.split()) == 21 for words in _WORDS_0_20.values())
assert not NUMBER_WORDS.keys() & MULTIPLIER_WORDS.keys()

_SPACED = r"\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+(?:[.,]\d+)*"
_TOKEN = re.compile(rf"(?<!\d)(?P<num>{_SPACED}|\d+(?:[.,]\d+)*)|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)"
                    rf"|(?P<dash>[{DASHES}])")
_MAGNITUDE, _MAGNITUDE_CODE = _phrases(MAGNITUDE_WORDS)
_BOUND, _BOUND_CODE = _phrases(BOUND_WORDS)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u02bc", "'")


def _digits(token: str) -> Decimal:
    """A run of digits and separators, read by the rules in the module docstring (exact: 4,35 hundred = 435)."""
    groups, seps = re.findall(r"\d+", token), re.findall(r"\D", token)
    if seps and seps[-1] in ".," and (len(groups[-1]) <= 2 or groups[:-1] == ["0"]):
        return Decimal("".join(groups[:-1]) + "." + groups[-1])
    return Decimal("".join(groups))


@dataclass
class _Token:
    kind: str  # num, mult, conn or word
    value: Decimal | None
    start: int
    end: int
    word: str = ""  # lower-cased word, or the digits as written


@dataclass
class _Number:
    value: Decimal
    first: _Number | None = None  # the first number of the range that this one ends
    multiplied: bool = False  # has a multiplier of its own


def _tokens(text: str):
    for m in _TOKEN.finditer(text):
        if m["num"]:
            yield _Token("num", _digits(m["num"]), m.start(), m.end(), m["num"])
        elif m["dash"]:
            yield _Token("conn", None, m.start(), m.end())
        else:
            w = m["word"].lower()
            kind = ("num" if w in NUMBER_WORDS else "mult" if w in MULTIPLIER_WORDS
                    else "conn" if w in CONNECTORS else "word")
            yield _Token(kind, NUMBER_WORDS.get(w, MULTIPLIER_WORDS.get(w)), m.start(), m.end(), w)


def numbers(text: str) -> list[float]:
    """Every number written in ``text``, in order, as floats (a multiplier word applied)."""
    text = _normalise(text)
    found: list[_Number] = []
    current: _Number | None = None  # the number just read, which a multiplier or connector next to it joins
    before_conn: _Number | None = None  # the number right before the connector just read
    prev: _Token | None = None
    for tok in _tokens(text):
        near = prev is not None and not text[prev.end:tok.start].strip()
        if not near:
            current = before_conn = None
        if tok.kind == "mult" and tok.word in ATTACHED and not (
                prev and prev.kind == "num" and prev.end == tok.start and prev.word[-1:].isdigit()):
            tok.kind = "word"
        if tok.kind == "num":
            current = _Number(tok.value, before_conn if prev is not None and prev.kind == "conn" else None)
            found.append(current)
        elif tok.kind == "mult" and current is not None:
            first = current.first
            if first is not None and not first.multiplied and first.value <= current.value:
                first.value *= tok.value
            current.value *= tok.value
            current.multiplied = True
        elif tok.kind == "mult" and (tok.word in STANDALONE and not (near and prev.word in VAGUE)
                                     or tok.word in GENITIVE_ONLY and near and prev.word in GENITIVE_PREPOSITIONS):
            current = _Number(tok.value, multiplied=True)
            found.append(current)
        before_conn = current if tok.kind == "conn" else None
        if tok.kind not in ("num", "mult"):
            current = None
        prev = tok
    return [float(n.value) for n in found]


def _code(pattern: re.Pattern, codes: dict[str, str], text: str) -> str | None:
    matches = [m.group() for m in pattern.finditer(_normalise(text))]
    if not matches:
        return None
    return codes[" ".join(max(matches, key=len).lower().split())]


def magnitude(text: str) -> str | None:
    """The order-of-magnitude code that ``text`` uses (the longest match wins: "tens of thousands" beats "thousands"), or None."""
    return _code(_MAGNITUDE, _MAGNITUDE_CODE, text)


def bound(text: str) -> str | None:
    """The qualifier that a bound word of ``text`` gives (the longest match wins: "no more than" beats "more than"), or None."""
    return _code(_BOUND, _BOUND_CODE, text)
