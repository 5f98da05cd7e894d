"""Reading the numbers in a figure's wording: digits, decimals, ranges, multipliers and number words in
English, Russian, Belarusian, Ukrainian, Polish and German, and the order-of-magnitude words."""
from __future__ import annotations

import pytest

from scripts.wording import BOUND_WORDS, MAGNITUDE_WORDS, bound, magnitude, numbers

P = pytest.param
NUMBERS = [
    # digits with thousands separators
    P("7,000", [7000], id="sep-comma"),
    P("Up to 7,000", [7000], id="sep-comma-in-text"),
    P("7 000", [7000], id="sep-space"),
    P("7\u00a0000", [7000], id="sep-no-break-space"),
    P("7\u202f000", [7000], id="sep-narrow-no-break-space"),
    P("более 7 000 задержанных", [7000], id="sep-space-ru"),
    P("7.000", [7000], id="sep-dot-de"),
    P("ponad 7.000 osób", [7000], id="sep-dot-pl"),
    P("100,000,000", [100_000_000], id="sep-comma-twice"),
    P("1.234.567", [1_234_567], id="sep-dot-twice"),
    P("7 000 000", [7_000_000], id="sep-space-twice"),
    P("305 2020", [305, 2020], id="space-before-four-digits-splits"),
    # decimal marks
    P("6,8 тыс.", [6800], id="decimal-comma-ru-thousand"),
    P("80.23%", [80.23], id="decimal-dot-percent"),
    P("80,23%", [80.23], id="decimal-comma-percent"),
    P("2.5 million", [2_500_000], id="decimal-dot-en-million"),
    P("0.125", [0.125], id="decimal-after-lone-zero"),
    P("1.234,5", [1234.5], id="decimal-comma-after-dot-groups"),
    P("1,234.5", [1234.5], id="decimal-dot-after-comma-groups"),
    P("7 000,5", [7000.5], id="decimal-after-space-groups"),
    P("1,234 тыс.", [1_234_000], id="three-digits-before-multiplier-are-thousands"),
    P("4,35 hundred", [435], id="decimal-times-multiplier-exact"),
    # malformed grouping: separators removed
    P("100,0000", [1_000_000], id="typo-comma-four-digits"),
    P("10.0000 people", [100_000], id="typo-dot-four-digits"),
    # ranges
    P("65-70 thousand", [65_000, 70_000], id="en-range-hyphen"),
    P("2 to 3 million", [2_000_000, 3_000_000], id="en-range-to"),
    P("between 100 and 200", [100, 200], id="en-range-between-and"),
    P("between 5 and 10 thousand", [5000, 10_000], id="en-range-and-multiplier"),
    P("65-70 тысяч", [65_000, 70_000], id="ru-range-hyphen"),
    P("65–70 тысяч", [65_000, 70_000], id="ru-range-en-dash"),
    P("65 — 70 тысяч", [65_000, 70_000], id="ru-range-em-dash-spaced"),
    P("от 100 до 200", [100, 200], id="ru-range-ot-do"),
    P("от 5 до 10 тыс. человек", [5000, 10_000], id="ru-range-ot-do-multiplier"),
    P("между 5 и 10 тыс.", [5000, 10_000], id="ru-range-i"),
    P("1,5-2 млн", [1_500_000, 2_000_000], id="ru-range-decimal"),
    P("две-три тысячи", [2000, 3000], id="ru-range-words"),
    P("ад 5 да 10 тыс.", [5000, 10_000], id="be-range-ad-da"),
    P("5-10 тысяч", [5000, 10_000], id="be-range-hyphen"),
    P("від 5 до 10 тис.", [5000, 10_000], id="uk-range-vid-do"),
    P("od 2 do 3 tys.", [2000, 3000], id="pl-range-od-do"),
    P("2–3 mln", [2_000_000, 3_000_000], id="pl-range-en-dash"),
    P("2 bis 3 Mio.", [2_000_000, 3_000_000], id="de-range-bis"),
    P("zwischen 100 und 200", [100, 200], id="de-range-zwischen-und"),
    P("65 000–70 000", [65_000, 70_000], id="range-spaced-groups"),
    P("500 тыс. – 1 млн", [500_000, 1_000_000], id="range-first-has-own-multiplier"),
    P("2020 and 5 thousand", [2020, 5000], id="range-larger-first-not-multiplied"),
    P("300 задержанных и 5 тысяч участников", [300, 5000], id="not-a-range-when-words-between"),
    # multipliers
    P("7 thousand", [7000], id="en-thousand"),
    P("3 millions", [3_000_000], id="en-millions"),
    P("3 mln", [3_000_000], id="en-mln"),
    P("7k", [7000], id="en-k-after-digit"),
    P("2.5m", [2_500_000], id="en-m-after-digit"),
    P("5 m", [5], id="en-m-apart-is-not-million"),
    P("3 тысячи", [3000], id="ru-tysyachi"),
    P("5 тысяч", [5000], id="ru-tysyach"),
    P("6 ТЫС", [6000], id="ru-tys-upper-no-dot"),
    P("1 млн", [1_000_000], id="ru-mln"),
    P("2 миллиона", [2_000_000], id="ru-milliona"),
    P("5 миллионов", [5_000_000], id="ru-millionov"),
    P("3 тысячы", [3000], id="be-tysyachy"),
    P("5 тыс.", [5000], id="be-tys"),
    P("2 мільёна", [2_000_000], id="be-milyona"),
    P("5 мільёнаў", [5_000_000], id="be-milyonau"),
    P("3 тисячі", [3000], id="uk-tysyachi"),
    P("5 тис.", [5000], id="uk-tys"),
    P("2 мільйона", [2_000_000], id="uk-milyona"),
    P("5 мільйонів", [5_000_000], id="uk-milyoniv"),
    P("3 tysiące", [3000], id="pl-tysiace"),
    P("5 tysięcy", [5000], id="pl-tysiecy"),
    P("2 miliony", [2_000_000], id="pl-miliony"),
    P("5 milionów", [5_000_000], id="pl-milionow"),
    P("1,5 mln", [1_500_000], id="pl-mln-decimal"),
    P("3 Tausend", [3000], id="de-tausend"),
    P("5 Tsd.", [5000], id="de-tsd"),
    P("2 Millionen", [2_000_000], id="de-millionen"),
    P("1,5 Mio.", [1_500_000], id="de-mio-decimal"),
    # multipliers on their own
    P("тысяча", [1000], id="ru-tysyacha-alone"),
    P("thousands", [], id="en-thousands-alone-no-number"),
    P("тысячи людей", [], id="ru-tysyachi-alone-no-number"),
    P("около тысячи", [1000], id="ru-tysyachi-after-genitive-preposition"),
    P("около миллиона", [1_000_000], id="ru-milliona-alone"),
    P("тыс.", [], id="ru-abbreviation-alone-no-number"),
    P("over a thousand", [1000], id="en-a-thousand"),
    P("several thousand", [], id="en-several-thousand-no-number"),
    P("каля тысячы", [1000], id="be-tysyachy-after-preposition"),
    P("понад тисячу", [1000], id="uk-tysyachu-alone"),
    P("ponad tysiąc", [1000], id="pl-tysiac-alone"),
    P("kilka tysięcy", [], id="pl-kilka-tysiecy-no-number"),
    P("über tausend", [1000], id="de-tausend-alone"),
    P("mehrere tausend", [], id="de-mehrere-tausend-no-number"),
    P("Tausende", [], id="de-tausende-no-number"),
    P("десятки тысяч", [], id="ru-desyatki-tysyach-no-number"),
    # number words
    P("two", [2], id="en-word"),
    P("twenty", [20], id="en-word-twenty"),
    P("two thousand", [2000], id="en-word-thousand"),
    P("one million", [1_000_000], id="en-word-million"),
    P("two hundred thousand", [200_000], id="en-word-multipliers-chained"),
    P("около трёх тысяч", [3000], id="ru-word-yo-multiplier"),
    P("около трех тысяч", [3000], id="ru-word-e-for-yo"),
    P("двух человек", [2], id="ru-word-case-form"),
    P("одного", [1], id="ru-word-odnogo"),
    P("двадцать", [20], id="ru-word-twenty"),
    P("полторы тысячи", [1500], id="ru-word-one-and-a-half"),
    P("адзін", [1], id="be-word"),
    P("дзве тысячы", [2000], id="be-word-multiplier"),
    P("дваццаць", [20], id="be-word-twenty"),
    P("п’ять", [5], id="uk-word-typographic-apostrophe"),
    P("дві тисячі", [2000], id="uk-word-multiplier"),
    P("двадцять", [20], id="uk-word-twenty"),
    P("dwa tysiące", [2000], id="pl-word-multiplier"),
    P("pięciu", [5], id="pl-word-case-form"),
    P("dwadzieścia", [20], id="pl-word-twenty"),
    P("eine Million", [1_000_000], id="de-word-multiplier"),
    P("zwei", [2], id="de-word"),
    P("zwanzig", [20], id="de-word-twenty"),
    P("seventeen", [17], id="whole-word-not-seven"),
    P("someone", [], id="whole-word-not-one"),
    P("тысячелетие", [], id="whole-word-not-tysyacha"),
    P("стол", [], id="whole-word-not-sto"),
    P("Einsatz", [], id="whole-word-not-eins"),
    P("trzynaście", [13], id="whole-word-not-trzy"),
    # other text is ignored; years and serial numbers are returned
    P("№ 305", [305], id="serial-number"),
    P("in 2020", [2020], id="year"),
    P("$5", [5], id="currency"),
    P("€ 1,5 Mio.", [1_500_000], id="currency-multiplier"),
    P("-5", [5], id="sign-ignored"),
    P("hundreds", [], id="no-number"),
    P("", [], id="empty"),
]


@pytest.mark.parametrize("text, expected", NUMBERS)
def test_numbers(text, expected):
    assert numbers(text) == expected


MAGNITUDES = [
    P("dozens of people", "dozens", id="en-dozens"),
    P("десятки человек", "dozens", id="ru-dozens"),
    P("дзясяткі людзей", "dozens", id="be-dozens"),
    P("десятків людей", "dozens", id="uk-dozens-genitive"),
    P("dziesiątki osób", "dozens", id="pl-dozens"),
    P("Dutzende Menschen", "dozens", id="de-dozens"),
    P("hundreds", "hundreds", id="en-hundreds"),
    P("сотни", "hundreds", id="ru-hundreds"),
    P("сотні", "hundreds", id="be-uk-hundreds"),
    P("setki", "hundreds", id="pl-hundreds"),
    P("Hunderte", "hundreds", id="de-hundreds"),
    P("several thousand", "several_thousand", id="en-several-thousand"),
    P("несколько тысяч", "several_thousand", id="ru-several-thousand"),
    P("некалькі тысяч", "several_thousand", id="be-several-thousand"),
    P("кілька тисяч", "several_thousand", id="uk-several-thousand"),
    P("kilka tysięcy", "several_thousand", id="pl-several-thousand"),
    P("mehrere Tausend", "several_thousand", id="de-several-thousand"),
    P("Thousands", "thousands", id="en-thousands"),
    P("тысячи", "thousands", id="ru-thousands"),
    P("тысячы", "thousands", id="be-thousands"),
    P("тисячі", "thousands", id="uk-thousands"),
    P("tysiące", "thousands", id="pl-thousands"),
    P("Tausende", "thousands", id="de-thousands"),
    P("tens of thousands", "tens_of_thousands", id="en-tens-of-thousands-beats-thousands"),
    P("десятки тысяч", "tens_of_thousands", id="ru-tens-of-thousands-beats-dozens"),
    P("дзясяткі тысяч", "tens_of_thousands", id="be-tens-of-thousands"),
    P("десятки тисяч", "tens_of_thousands", id="uk-tens-of-thousands"),
    P("dziesiątki\u00a0tysięcy", "tens_of_thousands", id="pl-tens-of-thousands-no-break-space"),
    P("Zehntausende", "tens_of_thousands", id="de-tens-of-thousands-whole-word"),
    P("hundreds of thousands", "hundreds_of_thousands", id="en-hundreds-of-thousands"),
    P("сотни тысяч", "hundreds_of_thousands", id="ru-hundreds-of-thousands"),
    P("сотні тысяч", "hundreds_of_thousands", id="be-hundreds-of-thousands"),
    P("сотні тисяч", "hundreds_of_thousands", id="uk-hundreds-of-thousands"),
    P("setki tysięcy", "hundreds_of_thousands", id="pl-hundreds-of-thousands"),
    P("Hunderttausende", "hundreds_of_thousands", id="de-hundreds-of-thousands"),
    P("more than 300", None, id="digits-none"),
    P("тысяча", None, id="singular-none"),
    P("", None, id="empty-none"),
]


@pytest.mark.parametrize("text, expected", MAGNITUDES)
def test_magnitude(text, expected):
    assert magnitude(text) == expected


def test_every_magnitude_word_reads_as_its_own_code():
    for code, words in MAGNITUDE_WORDS.items():
        for word in words:
            assert magnitude(word) == code, word


BOUNDS = [
    P("no more than 5,000", "up_to", id="en-negated-more-is-up-to"),
    P("не более 10 тысяч", "up_to", id="ru-negated-more-is-up-to"),
    P("Up to 7,000", "up_to", id="en-up-to"),
    P("до 7 тысяч", "up_to", id="ru-up-to"),
    P("more than 600", "more_than", id="en-more-than"),
    P("свыше 6 700", "more_than", id="ru-more-than"),
    P("понад 100", "more_than", id="uk-more-than"),
    P("no less than 19 journalists", "at_least", id="en-negated-less-is-at-least"),
    P("не менее 250", "at_least", id="ru-at-least"),
    P("co najmniej 100", "at_least", id="pl-at-least"),
    P("почти 7 тысяч", "nearly", id="ru-nearly"),
    P("около 7 тысяч", "approximately", id="ru-about"),
    P("etwa 200", "approximately", id="de-about"),
    P("124", None, id="digits-none"),
    P("hundreds", None, id="magnitude-none"),
    P("overall 124", None, id="word-inside-word-none"),  # "over" only as a whole word
]


@pytest.mark.parametrize("text, expected", BOUNDS)
def test_bound(text, expected):
    assert bound(text) == expected


def test_every_bound_word_reads_as_its_own_code():
    for code, words in BOUND_WORDS.items():
        for word in words:
            assert bound(f"{word} 100") == code, word
