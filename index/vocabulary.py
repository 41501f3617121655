"""Canonical names for the conditions, drugs and drug classes that eligibility criteria mention.

One vocabulary serves the fact extractor (criterion text -> canonical `term`) and anyone who
needs to read a question with the same words (`find_terms`). Each entry lists spelling
variants and synonyms as regular expressions; `broader` names the general term a specific one
also counts as ("heart failure" is a "cardiac disease"), so a question about the general term
finds criteria that only name a specific one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Literal


@dataclass(frozen=True)
class Term:
    name: str
    patterns: tuple[str, ...]
    broader: tuple[str, ...] = ()
    # Some terms mean something only in one section: an inclusion that mentions a procedure
    # ("stop radiotherapy 1 month before") does not require it, and an exclusion that mentions
    # thrombocytopenia ("thrombocytopenia from other causes") in a thrombocytopenia trial does
    # not exclude the disease under study.
    only_in: Literal["inclusion", "exclusion"] | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(self.patterns)
        object.__setattr__(self, "regex", re.compile(rf"(?<![\w-])(?:{joined})(?![\w])", re.IGNORECASE))


_HEM = r"ha?ema?to(?:logic(?:al)?|poietic(?: system)?)"

CONDITIONS: tuple[Term, ...] = (
    Term(
        "brain metastases",
        (
            r"brain metastas[ie]s",
            r"brain mets",
            r"brain metastatic disease",
            r"(?:cns|central nervous system) metastas[ie]s",
            r"cerebral metastas[ie]s",
            r"metastas[ie]s (?:to|in) the brain",
            r"leptomeningeal (?:disease|metastas[ie]s)",
        ),
    ),
    Term("HIV", (r"hiv(?:-\d)?", r"human immunodeficiency virus", r"(?-i:AIDS)")),
    Term("hepatitis B", (r"hepatitis b(?: virus)?", r"hbv", r"hbsag")),
    Term("hepatitis C", (r"hepatitis c(?: virus)?", r"hcv")),
    Term("pregnancy", (r"pregnan(?:t|cy|cies)",)),
    Term(
        "breastfeeding",
        (r"breast[- ]?feeding", r"lactating", r"lactation", r"nursing(?! home)", r"breast[- ]?fed"),
    ),
    Term(
        "thrombosis",
        (r"thrombos[ie]s", r"thrombotic", r"thromboembol\w*", r"embolism", r"dvt", r"venous thromb\w*"),
    ),
    Term("bleeding", (r"bleeding", r"bleed", r"ha?emorrhag(?:e|es|ic)", r"hemoptysis", r"haemoptysis")),
    Term(
        "cardiac disease",
        (
            r"cardiac (?:disease|disorder|dysfunction)s?",
            r"heart disease",
            r"cardiovascular (?:disease|disorder|event)s?",
            r"coronary (?:artery )?disease",
        ),
    ),
    Term(
        "heart failure", (r"(?:congestive )?(?:heart|cardiac) failure", r"chf"), broader=("cardiac disease",)
    ),
    Term("angina", (r"angina(?: pectoris)?",), broader=("cardiac disease",)),
    Term(
        "myocardial infarction", (r"myocardial infarctions?", r"heart attack"), broader=("cardiac disease",)
    ),
    Term("arrhythmia", (r"arrh?ythmias?", r"atrial fibrillation"), broader=("cardiac disease",)),
    Term("hypertension", (r"hypertension", r"hypertensive")),
    Term(
        "bone marrow involvement", (r"(?:bone )?marrow (?:infiltration|involvement|invasion|metastas[ie]s)",)
    ),
    Term("radiotherapy", (r"radiotherapy", r"radiation(?: therapy)?", r"irradiation"), only_in="exclusion"),
    Term("chemotherapy", (r"chemotherapy", r"cytotoxic therapy"), only_in="exclusion"),
    Term(
        "hypersensitivity",
        (r"hypersensitivit(?:y|ies)", r"allerg(?:y|ies|ic)", r"intolerance", r"anaphyla\w+"),
        only_in="exclusion",
    ),
    Term("infection", (r"infections?", r"sepsis", r"septic"), broader=()),
    Term(
        "haematological disease",
        (
            rf"{_HEM} (?:system )?(?:diseases?|disorders?|malignanc(?:y|ies))",
            r"blood (?:diseases?|disorders?)",
        ),
    ),
    Term("leukaemia", (r"leuka?emias?",), broader=("haematological disease",)),
    Term(
        "myelodysplastic syndrome",
        (r"myelodysplastic syndromes?", r"(?-i:MDS)", r"myelodysplasia"),
        broader=("haematological disease",),
    ),
    Term("multiple myeloma", (r"multiple myeloma", r"myeloma"), broader=("haematological disease",)),
    Term(
        "myeloproliferative disease",
        (r"myeloproliferative (?:diseases?|disorders?|neoplasms?)",),
        broader=("haematological disease",),
    ),
    Term(
        "immune thrombocytopenia",
        (
            r"(?:primary )?immune thrombocytopeni(?:a|c purpura)",
            r"(?-i:ITP)",
            r"idiopathic thrombocytopenic purpura",
        ),
        broader=("haematological disease",),
    ),
    Term("aplastic anaemia", (r"aplastic ana?emia",), broader=("haematological disease",)),
    Term(
        "coagulation disorder",
        (
            r"coagulation (?:dysfunction|disorders?)",
            r"coagulopath(?:y|ies)",
            r"bleeding disorders?",
            r"disseminated intravascular coagulation",
            r"haemophilia",
            r"hemophilia",
        ),
    ),
    Term(
        "transplantation",
        (
            r"(?:stem cell|organ|bone marrow|allogeneic|autologous)\s+(?:\w+\s+)?"
            r"transplant(?:ation|s)?",
            r"transplantation",
        ),
        only_in="exclusion",
    ),
    Term(
        "liver disease",
        (
            r"(?:chronic )?liver (?:disease|failure|cirrhosis)",
            r"cirrhosis",
            r"hepatic (?:disease|failure|impairment)",
        ),
    ),
    Term("liver metastases", (r"liver metastas[ie]s", r"hepatic metastas[ie]s")),
    Term("renal disease", (r"(?:kidney|renal) (?:disease|failure|insufficiency)",)),
    Term("autoimmune disease", (r"autoimmune (?:diseases?|disorders?)",)),
    Term("diabetes", (r"diabetes(?: mellitus)?",)),
    Term(
        "psychiatric disorder",
        (r"psychiatric (?:disorders?|illness(?:es)?|diseases?)", r"mental (?:illness|disorders?)"),
    ),
    Term("substance abuse", (r"substance abuse", r"alcoholism", r"drug addiction", r"alcohol abuse")),
    Term(
        "other malignancy",
        (
            r"other (?:primary )?malignanc(?:y|ies)",
            r"second(?:ary)? (?:primary )?malignanc(?:y|ies)",
            r"other (?:active )?cancers?",
        ),
    ),
    # Diagnoses and biomarkers an inclusion typically requires.
    Term("HER2-positive", (r"her-?2[- ]?(?:positive|\+|overexpressing|amplified)",)),
    Term("breast cancer", (r"breast (?:cancer|carcinoma|neoplasms?)",)),
    Term(
        "non-small cell lung cancer",
        (r"non[- ]?small[- ]cell lung (?:cancer|carcinoma)", r"nsclc"),
        broader=("lung cancer",),
    ),
    Term("lung cancer", (r"lung (?:cancer|carcinoma)",)),
    Term("colorectal cancer", (r"colorectal (?:cancer|carcinoma)", r"colon cancer", r"rectal cancer")),
    Term("ovarian cancer", (r"ovarian (?:\w+ )?(?:cancer|carcinoma)",)),
    Term("prostate cancer", (r"prostate (?:cancer|carcinoma)",)),
    Term("lymphoma", (r"\w*lymphomas?", r"hodgkin'?s disease")),
    Term("solid tumour", (r"solid (?:tumou?rs?|malignanc(?:y|ies)|cancers?)",)),
    Term(
        "malignant tumour",
        (r"malignant (?:tumou?rs?|neoplasms?)", r"malignanc(?:y|ies)"),
        only_in="inclusion",
    ),
    Term(
        "chemotherapy-induced thrombocytopenia",
        (r"(?:chemotherapy|cancer therapy|chemoradiotherapy)[- ]induced thrombocytopenia", r"(?-i:CIT|CTIT)"),
        broader=("thrombocytopenia",),
        only_in="inclusion",
    ),
    Term(
        "thrombocytopenia",
        (r"thrombocytopenia", r"platelet reduction", r"low platelet counts?"),
        only_in="inclusion",
    ),
)

DRUG_CLASSES: tuple[Term, ...] = (
    Term(
        "thrombopoietin receptor agonist",
        (r"thrombopoietin receptor agonists?(?: drugs?)?", r"tpo-?ras?"),
    ),
    Term("recombinant human thrombopoietin", (r"recombinant human thrombopoietin", r"rh-?tpo")),
    Term(
        "recombinant human interleukin-11",
        (r"recombinant human interleukin[- ]11", r"rh-?il(?:-11)?", r"il-11", r"interleukin[- ]11"),
    ),
    Term(
        "granulocyte colony-stimulating factor",
        (r"granulocyte colony[- ]stimulating factor", r"g-csf"),
    ),
    Term("erythropoietin", (r"erythropoietin", r"(?-i:EPO)")),
    Term(
        "investigational drug",
        (
            r"investigational (?:drugs?|agents?|products?|medications?|therap(?:y|ies))",
            r"clinical trials? of other drugs",
            r"other clinical trials?",
            r"experimental (?:drugs?|agents?)",
            r"study drugs? in another",
        ),
    ),
    Term("chemotherapy", (r"chemotherapy", r"cytotoxic (?:therapy|drugs?|agents?)")),
    Term("radiotherapy", (r"radiotherapy", r"radiation(?: therapy)?", r"irradiation")),
    Term("immunotherapy", (r"immunotherapy", r"immune checkpoint inhibitors?")),
    Term("hormonal therapy", (r"hormonal therapy", r"endocrine therapy", r"hormone therapy")),
    Term("biologic therapy", (r"biologic(?:al)? therapy",)),
    Term("corticosteroids", (r"corticosteroids?", r"steroids?", r"glucocorticoids?")),
    Term(
        "immunosuppressants",
        (r"immunosuppress(?:ants?|ives?|ive (?:drugs?|therapy|medications?))",),
    ),
    Term("antiplatelet drugs", (r"antiplatelet (?:drugs?|agents?|therapy)",)),
    Term("anticoagulants", (r"anticoagulants?", r"anticoagulation")),
    Term("surgery", (r"(?:major )?surgery", r"surgical procedures?")),
)

# International Nonproprietary Name stems: a word ending in one of these names a drug of that
# family. Used to spot drug names no list knows and to compare drugs of one family.
INN_STEMS: tuple[str, ...] = (
    "trombopag",
    "bopag",
    "romostim",
    "plostim",
    "grastim",
    "mab",
    "tinib",
    "rafenib",
    "ciclib",
    "parib",
    "lisib",
    "zomib",
    "nib",
    "platin",
    "taxel",
    "rubicin",
    "tecan",
    "citabine",
    "fosfamide",
    "mustine",
    "trexed",
    "poetin",
    "sartan",
    "olol",
    "statin",
    "prazole",
    "xaban",
    "gatran",
    "parin",
    "lukast",
    "semide",
    "thiazide",
)
_STEM_RE = re.compile(
    r"\b([A-Za-z][a-z]+(?:" + "|".join(sorted(INN_STEMS, key=len, reverse=True)) + r"))\b", re.IGNORECASE
)


@dataclass(frozen=True)
class TermMatch:
    term: Term
    start: int
    end: int


def _scan(text: str, terms: tuple[Term, ...]) -> list[TermMatch]:
    """Every term match in order; where two overlap the longer wins ("heart failure" over "heart")."""
    found = [TermMatch(t, m.start(), m.end()) for t in terms for m in t.regex.finditer(text)]
    found.sort(key=lambda m: (m.start - m.end, m.start))
    kept: list[TermMatch] = []
    for match in found:
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def condition_matches(text: str) -> list[TermMatch]:
    return _scan(text, CONDITIONS)


def drug_matches(text: str) -> list[TermMatch]:
    """Named drug classes and single drugs (by INN stem), in order of appearance."""
    matches = _scan(text, DRUG_CLASSES)
    for m in _STEM_RE.finditer(text):
        if any(x.start <= m.start() < x.end for x in matches):
            continue
        name = m.group(1).lower()
        matches.append(TermMatch(Term(name, (re.escape(name),)), m.start(), m.end()))
    matches.sort(key=lambda x: x.start)
    return matches


def shared_stem(first: str, second: str) -> str | None:
    """The longest INN stem both drug names end with ("herombopag", "eltrombopag" -> "bopag")."""
    a, b = first.lower(), second.lower()
    for stem in sorted(INN_STEMS, key=len, reverse=True):
        if a.endswith(stem) and b.endswith(stem) and min(len(a), len(b)) >= len(stem) + 2:
            return stem
    return None


def drug_names(text: str) -> Iterator[tuple[str, int]]:
    """Single drug names (words with an INN stem) in `text`, lower-cased, with their offsets."""
    for m in _STEM_RE.finditer(text):
        yield m.group(1).lower(), m.start()


@cache
def _all_terms() -> tuple[Term, ...]:
    return CONDITIONS + DRUG_CLASSES


def find_terms(text: str) -> list[str]:
    """Canonical names of every condition or drug class `text` mentions (e.g. in a question)."""
    names: list[str] = []
    for match in _scan(text, _all_terms()):
        for name in (match.term.name, *match.term.broader):
            if name not in names:
                names.append(name)
    return names
