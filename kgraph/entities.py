"""Canonical entities: one key per entity across case, plural and abbreviation, aliases per workspace, and a
type for each node (drug, disease, party...) guessed from the name and the relations it takes part in."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from kgraph.records import Fact, normalise
from kgraph.relations import passive_modal

LEADING_WORDS = {"the", "a", "an", "this", "that", "these", "those", "any", "each", "all", "either", "both"}
# Words ending in s that are not plurals.
SINGULAR_S = {
    "diabetes", "herpes", "rabies", "mellitus", "series", "species", "news", "measles", "mumps", "lupus", "summons",
}  # fmt: skip
SUGGESTED = "#~ "
ALIAS_HEADER = (
    "# alias\tcanonical name (edit freely; the first line for an alias wins)\n"
    f"# '{SUGGESTED.strip()}' lines: abbreviations learned from one document, applied there only;"
    f" delete the '{SUGGESTED.strip()}' to apply one workspace-wide\n"
)
ABBREVIATION = re.compile(r"([A-Za-z0-9][\w\-' ]{2,80}?)\s*\(([A-Za-z][A-Za-z0-9\-]{1,9})\)")
DRUG_SUFFIXES = (
    "mab", "nib", "pril", "sartan", "olol", "statin", "cillin", "mycin", "floxacin", "prazole", "triptan",
    "parin", "xaban", "gatran", "dipine", "gliptin", "gliflozin", "vir", "azole", "oxacin", "cycline", "formin",
    "thiazide", "semide", "sone", "olone", "amide", "purinol", "cysteine", "thyroxine", "amol", "profen", "tamol",
)  # fmt: skip
DISEASE_WORDS = (
    "itis", "osis", "aemia", "emia", "oma", "pathy", "disease", "syndrome", "disorder", "cancer", "infection",
    "failure", "deficiency", "diabetes", "hypertension", "fibrillation", "asthma", "pneumonia", "gout", "allergy",
    "overdose", "impairment", "injury", "migraine", "stroke", "bleeding", "acidosis",
)  # fmt: skip
TEST_WORDS = ("test", "scan", "radiography", "x-ray", "ultrasound", "spirometry", "biopsy", "culture", "measurement")
PARTY_WORDS = (
    "party", "supplier", "customer", "licensee", "licensor", "tenant", "landlord", "employer", "employee",
    "controller", "processor", "consumer", "creditor", "debtor", "lender", "borrower", "buyer", "seller", "court",
)  # fmt: skip
STATUTE = re.compile(r"^(section|article|regulation|clause|schedule)\s+\w+|\bact\b|\bregulation\b", re.IGNORECASE)
# Roles a relation gives its subject and object, where the name alone does not tell.
ROLES = {
    "treats": ("drug", "disease"),
    "prevents": ("drug", "disease"),
    "indicated_for": ("drug", "disease"),
    "contraindicated_in": ("drug", "condition"),
    "diagnoses": ("test", "disease"),
    "interacts_with": ("drug", "drug"),
}


def singular(word: str) -> str:
    """A plain English plural reduced to its singular: therapies -> therapy, losses -> loss, statins -> statin."""
    if word in SINGULAR_S or len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


@functools.lru_cache(maxsize=1 << 16)
def entity_key(name: str) -> str:
    """Canonical node key: case, whitespace, leading determiners and a final plural folded (memoised: planning
    asks for the same few thousand names over and over)."""
    words = normalise(name).split()
    while len(words) > 1 and words[0] in LEADING_WORDS:
        words = words[1:]
    if words:
        words[-1] = singular(words[-1])
    return " ".join(words)


def matches_abbreviation(short: str, long: str) -> bool:
    """Schwartz-Hearst test: the short form's letters appear in order in the long form, the first at a word start."""
    short, long = short.lower(), long.lower()
    letters = [c for c in short if c.isalnum()]
    position = len(long)
    for index, char in enumerate(reversed(letters)):
        first = index == len(letters) - 1
        position = long.rfind(char, 0, position)
        while first and position > 0 and long[position - 1].isalnum():
            position = long.rfind(char, 0, position)
        if position < 0:
            return False
    return True


def is_short_form(short: str) -> bool:
    """A short form looks like one: mostly capitals ('AF', 'HbA1c', 'mRNA'), not a word in brackets ('Kidney')."""
    letters = [c for c in short if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= sum(c.islower() for c in letters)


def find_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations a text defines, 'type 2 diabetes (T2D)' -> {'T2D': 'type 2 diabetes'} (Schwartz-Hearst)."""
    found: dict[str, str] = {}
    for match in ABBREVIATION.finditer(text):
        words, short = match.group(1).split(), match.group(2)
        if not is_short_form(short):
            continue
        # The long form is the shortest tail of the preceding words that starts with the short form's first letter
        # and holds all its letters in order, at most min(|A| + 5, 2|A|) words, and longer than the short form.
        for size in range(1, min(len(words), len(short) + 5, 2 * len(short)) + 1):
            candidate = " ".join(words[-size:])
            if candidate[:1].lower() != short[:1].lower() or len(candidate) <= len(short):
                continue
            if matches_abbreviation(short, candidate):
                found.setdefault(short, candidate)
                break
    return found


def load_aliases(path: Path, suggested: bool = False) -> dict[str, str]:
    """The workspace alias table (TSV: alias, canonical name; # comments): {alias: canonical name}. With
    suggested, the abbreviations learned from single documents (lines starting with SUGGESTED) count too."""
    path = Path(path)
    if not path.exists():
        return {}
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if suggested and line.startswith(SUGGESTED):
            line = line[len(SUGGESTED) :]
        if line.strip() and not line.lstrip().startswith("#") and "\t" in line:
            alias, canonical = (part.strip() for part in line.split("\t", 1))
            if alias and canonical and entity_key(alias) not in alias_index(table):
                table[alias] = canonical
    return table


def alias_index(table: dict[str, str]) -> dict[str, str]:
    """Alias table keyed by entity key, the form lookups use."""
    return {entity_key(alias): canonical for alias, canonical in table.items()}


def add_aliases(path: Path, learned: dict[str, str]) -> dict[str, str]:
    """Append abbreviations learned from documents as suggestions, commented out: each applies only in the
    document that defines it ('AF' may mean another thing elsewhere) until a person uncomments the line. Returns
    the table in force (the lines a person wrote or uncommented)."""
    known = alias_index(load_aliases(path, suggested=True))
    new = {alias: name for alias, name in learned.items() if entity_key(alias) not in known}
    if new:
        with open(path, "a", encoding="utf-8") as handle:
            if not Path(path).stat().st_size:
                handle.write(ALIAS_HEADER)
            handle.writelines(f"{SUGGESTED}{alias}\t{name}\n" for alias, name in sorted(new.items()))
    return load_aliases(path)


def guess_type(name: str, domain: str) -> str:
    """A node type from the name alone, or 'entity' when it does not tell."""
    lower = name.lower().split(" of ")[0]  # 'total liability of the supplier' is a liability, not a party
    last = lower.split()[-1] if lower.split() else ""
    if domain != "legal":
        if last.endswith(DRUG_SUFFIXES):
            return "drug"
        if any(word in lower for word in TEST_WORDS):
            return "test"
        if any(last.endswith(word) or word in lower.split() for word in DISEASE_WORDS):
            return "disease"
    if domain != "medical":
        if STATUTE.search(name):
            return "statute"
        if singular(last) in PARTY_WORDS:
            return "party"
    return "entity"


PERSON_ENDINGS = ("er", "or", "ee", "ant", "ent", "ist", "ian")
BODIES = {"person", "individual", "company", "corporation", "agency", "government", "bank", "authority", "board"}


def names_someone(name: str) -> bool:
    """A name, a role ('the licensee', 'each permittee', 'the appropriate officer') or a body ('the company'); not a
    thing ('prices', 'materials')."""
    words = name.split()
    last = singular(words[-1].lower()) if words else ""
    return bool(words) and (
        any(w[:1].isupper() for w in words) or last in BODIES or last in PARTY_WORDS or last.endswith(PERSON_ENDINGS)
    )


def typed_fact(fact: Fact, aliases: dict[str, str]) -> Fact:
    """The fact with canonical entity names (aliases keyed by entity key), types filled, an id over entity keys."""
    subject = aliases.get(entity_key(fact.subject), fact.subject)
    obj = aliases.get(entity_key(fact.object), fact.object)
    roles = ROLES.get(fact.relation, ("entity", "entity"))
    # 'the licensee must file X' names a party; 'all sealed bids must be filed with X' names what is filed, and
    # 'prices shall exclude transport' a term: a duty's subject is a party when it names someone
    if fact.relation.startswith(("must_", "may_")) and not passive_modal(fact.relation) and names_someone(subject):
        roles = ("party", "entity")
    subject_type = fact.subject_type if fact.subject_type != "entity" else guess_type(subject, fact.domain)
    object_type = fact.object_type if fact.object_type != "entity" else guess_type(obj, fact.domain)
    return fact.model_copy(
        update={
            "id": Fact.make_id(entity_key(subject), fact.relation, entity_key(obj), fact.negated),
            "subject": subject,
            "object": obj,
            "subject_type": subject_type if subject_type != "entity" else roles[0],
            "object_type": object_type if object_type != "entity" else roles[1],
        }
    )
