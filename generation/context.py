"""What a question needs to stand alone: the label, rule or contract its fact comes from. A closed-book model never
sees the document, so 'Is renal dialysis expected to accelerate clearance?' must say it is about sildenafil, and a
question about 'the grantee' must say which agreement; a contract without a usable title is not asked about."""

from __future__ import annotations

import re

from generation.syntax import sentence_of
from generation.verbalise import lower_first
from kgraph.records import Fact

REGULATION = re.compile(r"^PART\s+(\d+)\s*[—–-]+\s*(.+)$", re.IGNORECASE)
CONTRACT = re.compile(r"\b(agreement|contract|addendum|lease|licen[cs]e|franchise|amendment)\b", re.IGNORECASE)
# A dosage form or a leaflet kind closes a label's title; the product is what comes before.
FORM = re.compile(
    r"(\s*[-–—]\s*drug facts|\s+(tablets?|capsules?|injection|oral solution|solution|suspension|cream|ointment|"
    r"for oral use|film-coated|extended-release|delayed-release|chewable)|,?\s+for \w+ use"
    r"|\s+for (injection|infusion|inhalation|oral suspension|injectable suspension))+\s*$",
    re.IGNORECASE,
)
PAGE = re.compile(r"\s+page \d+( of \d+)?\s*$", re.IGNORECASE)
# The strengths a leaflet's title lists after the product: 'Talzenna (talazoparib) 0.25 mg hard capsules, 1 mg ...'.
DOSE_TAIL = re.compile(r"\s+\d[\d.,/]*\s*(mg|g|mcg|µg|ml|units?|%)\b.*$", re.IGNORECASE)
# Words of a title that name no product: salts, forms, generic words.
PLAIN = {"calcium", "citrate", "sodium", "potassium", "sulfate", "hydrochloride", "children's", "tablets", "and"}
# A contract's clause speaks of itself and its parties: without the contract's name it reads as a general rule.
SELF_REFERENCE = re.compile(
    r"\b(this|the) (agreement|contract|addendum)\b|\bhere(to|in|under|inafter|by)\b|\bpart(y|ies)\b", re.I
)


def title_of(fact: Fact) -> str:
    """The document title recorded with the evidence, unless it is only a file name ('med_viagra_label')."""
    title = fact.evidence[0].title.strip() if fact.evidence else ""
    title = PAGE.sub("", title)  # 'TruckThat LLC Consulting Agreement Page 1 of 7': a page header, not the name
    return "" if not title or ("_" in title and " " not in title) else title


def setting(fact: Fact) -> str:
    """The phrase that puts a question in its document: 'For VIAGRA (sildenafil citrate)', 'Under the Gas Franchise
    Agreement', 'Under the rules on commerce in explosives (CFR Part 555)'; empty when there is no usable title."""
    title = title_of(fact)
    if not title:
        return ""
    if rule := REGULATION.match(title):
        return f"Under the rules on {rule.group(2).strip().lower()} (CFR Part {rule.group(1)})"
    if fact.domain == "legal":  # a heading that names no contract ('TERM FOR ORDERING') is no setting
        name = title.title() if title.isupper() else title
        return f"Under the {name}" if CONTRACT.search(title) else ""
    product = FORM.sub("", DOSE_TAIL.sub("", title)).strip()
    if product[1:].islower():
        product = product[:1].lower() + product[1:]
    return f"For {product}" if product else ""


def names(fact: Fact) -> set[str]:
    """The words by which a question already names its document's product ('lipitor', 'atorvastatin')."""
    words = re.findall(r"[\w'-]+", FORM.sub("", title_of(fact)).lower())
    return {w for w in words if len(w) >= 4 and w not in PLAIN}


def asked_in_setting(fact: Fact, aspect: str) -> bool:
    """Whether an aspect question over the fact names its document. 'For VIAGRA, how is chest pain treated?'
    answered 'Nitrates treat chest pain' misleads (and 'For VIAGRA, how is ED treated?' answers itself): how a
    condition is treated is asked as it is, what treats it answers."""
    return not (aspect == "treatment" and fact.domain == "medical")


def aspect_scope(fact: Fact, aspect: str) -> str:
    """The document an aspect group is gathered within: the one its question names ('Under the rules on commerce in
    explosives, what rights does the Director have?' is not answered from another Part's Director, nor a
    contract's 'Company' from another contract's); any document where the question names none."""
    return setting(fact) if asked_in_setting(fact, aspect) else ""


def names_product(phrase: str, fact: Fact) -> bool:
    """Whether the phrase names the product the fact's setting names ('LIPITOR' under 'LIPITOR (atorvastatin
    calcium) tablets'). A contract's setting names the contract, never a party."""
    return fact.domain != "legal" and bool(set(re.findall(r"[\w'-]+", phrase.lower())) & names(fact))


def standalone_fact(fact: Fact) -> bool:
    """False for a contract clause whose contract has no usable title: its questions would read as general law."""
    if fact.domain != "legal" or setting(fact):
        return True
    party = "party" in (fact.subject_type, fact.object_type)
    return not party and not SELF_REFERENCE.search(sentence_of(fact))


def in_context(question: str, fact: Fact) -> str:
    """The question with its setting in front, unless it already names the product. Rules and contracts always get
    theirs: 'the director' or 'the grantee' mean something only under one rule or one contract."""
    where = setting(fact)
    lowered = question.lower()
    if not where or (fact.domain != "legal" and any(re.search(rf"\b{re.escape(n)}", lowered) for n in names(fact))):
        return question
    if fact.domain == "medical" and fact.subject_type == "drug" and fact.subject.lower() in lowered:
        return question  # a question naming a medicine stands alone: not 'For VIAGRA, does riociguat treat PAH?'
    return f"{where}, {lower_first(question)}"
