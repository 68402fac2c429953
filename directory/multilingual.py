"""A small need vocabulary in the languages Signpost speaks (and Spanish), mapped to the directory's categories, so
"pomoc z długami" or "ajuda com dívidas" finds the money and debt services.

The directory itself stays as providers wrote it (English): a search in another language is understood through
these words, not by translating services. Words are matched without accents and as whole words, so "dlugi" and
"długi" both count. Keep each list to words people actually type for a need; it is not a dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# category id -> words or short phrases (plain letters, lower case), per language
NEED_VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "pl": {
        "money": ("dlug", "dlugi", "dlugami", "dlugow", "zadluzenie", "pieniadze", "pieniedzy", "zasilek",
                  "zasilki", "rachunki", "rachunkami", "czynsz", "bieda"),
        "housing": ("mieszkanie", "mieszkaniem", "bezdomny", "bezdomna", "bezdomnosc", "eksmisja", "dach nad glowa"),
        "food_fuel": ("jedzenie", "zywnosc", "bank zywnosci", "ogrzewanie", "prad", "gaz"),
        "loneliness": ("samotnosc", "samotny", "samotna", "towarzystwo"),
        "mental_wellbeing": ("depresja", "lek", "stres", "zdrowie psychiczne", "smutek"),
        "carers": ("opiekun", "opiekunka", "opieka nad", "opiekuje sie"),
        "domestic_abuse": ("przemoc domowa", "przemoc"),
        "employment_learning": ("praca", "pracy", "nauka", "angielski", "kurs angielskiego"),
    },
    "pt": {
        "money": ("divida", "dividas", "dinheiro", "subsidio", "subsidios", "beneficios", "contas", "renda"),
        "housing": ("casa", "habitacao", "sem abrigo", "despejo", "alojamento"),
        "food_fuel": ("comida", "alimentos", "banco alimentar", "aquecimento", "luz", "gas"),
        "loneliness": ("solidao", "sozinho", "sozinha", "companhia"),
        "mental_wellbeing": ("depressao", "ansiedade", "stress", "saude mental", "tristeza"),
        "carers": ("cuidador", "cuidadora", "cuidar de"),
        "domestic_abuse": ("violencia domestica", "violencia"),
        "employment_learning": ("trabalho", "emprego", "aulas de ingles", "ingles", "curso"),
    },
    "lt": {
        "money": ("skola", "skolos", "skolu", "pinigai", "pinigu", "pasalpa", "pasalpos", "saskaitos", "nuoma"),
        "housing": ("bustas", "busto", "benamis", "benamystes", "iskeldinimas"),
        "food_fuel": ("maistas", "maisto", "maisto bankas", "sildymas", "elektra"),
        "loneliness": ("vienatve", "vienisas", "draugija"),
        "mental_wellbeing": ("depresija", "nerimas", "stresas", "psichikos sveikata"),
        "carers": ("slaugytojas", "globejas", "rupinuosi"),
        "domestic_abuse": ("smurtas artimoje aplinkoje", "smurtas"),
        "employment_learning": ("darbas", "darbo", "anglu kalba", "kursai"),
    },
    "ro": {
        "money": ("datorii", "datoriile", "datorie", "bani", "beneficii", "ajutor social", "facturi", "facturile",
                  "chirie"),
        "housing": ("locuinta", "casa", "fara adapost", "evacuare"),
        "food_fuel": ("mancare", "alimente", "banca de alimente", "incalzire", "curent"),
        "loneliness": ("singuratate", "singur", "singura", "companie"),
        "mental_wellbeing": ("depresie", "anxietate", "stres", "sanatate mintala"),
        "carers": ("ingrijitor", "ingrijitoare", "ingrijesc"),
        "domestic_abuse": ("violenta domestica", "violenta"),
        "employment_learning": ("munca", "loc de munca", "engleza", "curs"),
    },
    "es": {
        "money": ("deuda", "deudas", "dinero", "prestaciones", "facturas", "alquiler"),
        "housing": ("vivienda", "sin hogar", "desahucio"),
        "food_fuel": ("comida", "banco de alimentos", "calefaccion"),
        "loneliness": ("soledad", "solo", "sola"),
        "mental_wellbeing": ("depresion", "ansiedad", "estres", "salud mental"),
        "carers": ("cuidador", "cuidadora"),
        "domestic_abuse": ("violencia domestica", "violencia de genero"),
        "employment_learning": ("trabajo", "empleo", "clases de ingles"),
    },
}
_PLAIN = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss"})


def plain(text: str) -> str:
    """Lower case, accents removed, words separated by single spaces ('Pomoc z DŁUGAMI' -> 'pomoc z dlugami')."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN).lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+", letters))


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    found = []
    for lang, categories in NEED_VOCABULARY.items():
        for category, words in categories.items():
            alternatives = "|".join(re.escape(plain(word)) for word in sorted(words, key=len, reverse=True))
            found.append((lang, category, re.compile(rf"\b(?:{alternatives})\b")))
    return tuple(found)


def need_category(text: str, languages: tuple[str, ...] = tuple(NEED_VOCABULARY)) -> str | None:
    """The directory category a message in one of `languages` asks about, or None (e.g. for English text)."""
    words = plain(text)
    for lang, category, pattern in _patterns():
        if lang in languages and pattern.search(words):
            return category
    return None
