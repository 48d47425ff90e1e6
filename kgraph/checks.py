"""Quality checks on extracted facts: which arguments and sentences are fit to train on, and a confidence.

A check names what is wrong with a fact ('generic_argument', 'title', 'long_span'...). Hard checks (a pronoun
or a bare number as an argument) drop the fact at extraction; the others stay on the fact with a confidence
lowered by their penalty, so generation can skip facts below its threshold (0.7) and a person can see why."""

from __future__ import annotations

import re

from kgraph.spans import is_adjective_phrase

BASE_CONFIDENCE = 0.9
# Penalties of the soft checks: one of them leaves a fact below 0.7, the doubtful side of generation's threshold.
PENALTIES = {
    "hedged": 0.05,  # fine when stated as written; a hedge is still weaker evidence than a plain claim
    "long_span": 0.15,
    "generic_argument": 0.35,
    "ambiguous_antecedent": 0.35,
    "truncated_span": 0.3,
    "run_together": 0.4,
    "line_break": 0.4,
    "fragment": 0.4,
    "title": 0.45,
    "enumeration": 0.45,
    # Shapes typical of misread facts on real text: alone, only long_sentence and unknown_relation keep a fact at
    # or above 0.7; together they do not ('alternate method causes increase' from a 60-word rule).
    "long_sentence": 0.25,
    "unknown_relation": 0.1,
    "weak_relation": 0.3,
    "clause_argument": 0.3,
    "statistic": 0.3,
    "subordinate_clause": 0.25,
    "cross_reference": 0.35,
    "unscoped_value": 0.3,
    "unruled_legal": 0.2,
    "circumstance": 0.3,
}
HARD_CHECKS = {"pronoun", "bare_number"}
# Heads that say nothing on their own: 'the risk', 'this procedure', 'a party'. A specific modifier rescues them
# ('risk of stroke', 'data subject'); a vague one does not ('serious risks', 'side effects').
GENERIC_HEADS = {
    "risk", "chance", "procedure", "party", "subject", "dose", "thing", "way", "people", "one", "factor",
    "problem", "condition", "information", "effect", "result", "case", "issue", "matter", "type", "kind",
    "form", "part", "number", "amount", "level", "use", "area", "change", "situation", "reason", "example",
    "aspect", "detail", "fact", "question", "option", "step", "process", "event", "benefit", "side", "symptom",
    "sign", "treatment", "medicine", "drug", "medication", "test", "doctor", "person", "someone", "anyone",
    "everyone", "something", "anything", "group", "member", "individual", "section", "paragraph", "page",
    "document", "provision", "term", "time", "lot", "majority", "most", "many", "few", "some", "other", "others",
    "more", "less", "much", "rest", "place", "purpose", "need", "work", "action", "measure", "approach",
    "list", "increase", "decrease", "attempt", "method", "notice", "proportion", "analysis", "rate", "value",
    "data", "percentage", "total", "frame", "endeavor", "endeavour", "feedback", "manner", "extent", "basis",
    "caution", "care", "setting", "combination", "ingredient", "substance", "component", "score", "delay", "dosage",
}  # fmt: skip
LEGAL_ROLES = {"party", "subject", "term", "member"}
VAGUE_MODIFIERS = {
    "side", "other", "certain", "possible", "potential", "serious", "severe", "high", "low", "main", "common",
    "rare", "new", "such", "same", "different", "various", "several", "many", "more", "further", "additional",
    "particular", "specific", "general", "usual", "normal", "small", "large", "big", "good", "bad", "important",
    "relevant", "appropriate", "following", "above", "below", "first", "second", "last", "next", "some", "any",
    "significant", "clinical", "unusual", "numerous", "previous", "special", "initial", "total",
    "overall", "individual", "personal", "major", "minor", "known", "unknown", "likely", "increased", "similar",
    "comparable", "active", "alternate",
}  # fmt: skip
PRONOUNS = {
    "it", "this", "that", "these", "those", "they", "them", "he", "she", "him", "her", "we", "us", "you", "i",
    "which", "who", "whom", "what", "one", "ones", "itself", "themselves", "there", "here",
}  # fmt: skip
UNITS = {
    "mg", "g", "kg", "mcg", "µg", "ug", "ml", "l", "mmol", "mol", "iu", "unit", "units", "%", "percent", "mm",
    "cm", "m", "km", "hr", "h", "min", "s", "sec", "x", "times", "tablet", "tablets", "capsule", "capsules",
    "£", "$", "€", "usd", "gbp", "eur", "°f", "°c", "f", "c",
}  # fmt: skip
UNIT_PREFIX = re.compile(r"^[\d.,/-]+|\.$")
MAX_WORDS = 8
DEMONSTRATIVES = {"this", "these", "that", "those", "such"}
# 'the provisions of part 172', 'paragraph (b)', '§ 555.77': a pointer into the document, not a thing of the domain.
CROSS_REFERENCE = re.compile(
    r"(?:\b(?:part|subpart|section|paragraph|subparagraph|chapter|article|clause|exhibit|schedule|appendix)s?"
    r"|§)\s*(?:\d|\([a-z0-9]+\))",
    re.IGNORECASE,
)
POINTERS = {"following", "above", "below", "foregoing", "aforementioned", "aforesaid", "said"}
# A sentence this long, or with this many commas, is a rule or a list the parse often misreads.
MAX_SENTENCE_WORDS = 40
MAX_COMMAS = 5
# Verbs that relate anything to anything: 'director has reason', 'notice specifies date', 'see Adverse Reactions'.
WEAK_VERBS = {
    "have", "make", "see", "find", "get", "do", "agree", "appear", "seem", "range", "continue", "refer", "desire",
    "characterize", "characterise", "cite", "account", "sign", "become", "specify", "declare", "identify", "exist",
    "come", "go", "want", "try", "attempt", "deem", "consider", "set", "play", "demonstrate", "know",
}  # fmt: skip
PREPOSITIONS = {"in", "at", "on", "under", "with", "from", "of", "to", "for", "by", "into", "within", "over"}
MODAL_PREFIXES = ("must_", "may_", "should_")
# A figure inside a span: '3% Blacks', 'value of $100,000.00 or less', '8755 LIPITOR vs. 7311 placebo'.
STATISTIC = re.compile(r"%|\bpercent\b|\d[.,]\d|\bvs\b\.?|\bversus\b", re.IGNORECASE)
CONDITION_MARKS = {"if", "when", "whenever", "where", "unless", "once", "until", "while"}
# Verbs whose that-clause is wanted or believed, not stated: 'may require that a sample be submitted'.
# Nouns whose that-clause is a claim someone made, not the sentence's own ('there is no evidence that' denies it)
REPORTED = {
    "report", "claim", "suggestion", "hypothesis", "possibility", "concern", "speculation", "theory", "belief",
    "assumption", "notion", "allegation", "view", "idea", "impression",
}  # fmt: skip
NON_ASSERTING = {"require", "know", "believe", "ensure", "desire", "want", "determine", "request", "decide", "ask"}
# Two words with the space lost ('bleedingDizziness', 'bleeding.The') or a PDF line glued into one token.
RUN_TOGETHER = re.compile(r"[a-z]{2}[A-Z][a-z]|[a-z]{2}[.,;:][A-Za-z]{2}|[A-Za-z]{25,}")
DANGLING_END = {"CCONJ", "ADP", "DET", "SCONJ", "PART"}
FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
# A value as object: 'about 7 mg/dL', '200 to 300 mg', '1-2 hours'.
SCOPES = {"for", "in", "among", "after"}  # '7 mg/dL for men', '750 mg/kg in rats'
QUANTITY = re.compile(r"^(?:about |approximately |up to |less than |more than |over |under )?\d")
BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def confidence(checks: list[str]) -> float:
    """Confidence of a fact from the checks it failed: BASE_CONFIDENCE less each penalty, never below 0.05."""
    return round(max(0.05, BASE_CONFIDENCE - sum(PENALTIES.get(check, 0.0) for check in set(checks))), 2)


def is_specific_modifier(token) -> bool:
    """A modifier that names something: a noun compound, a number ('Section 75') or an of-phrase whose noun is
    not itself generic."""
    if token.dep_ == "nummod" or (token.dep_ == "appos" and token.like_num):
        return token.i > token.head.i or token.head.tag_ != "NNS"  # 'Section 75' names, 'two ingredients' counts
    if token.dep_ in ("compound", "nmod", "npadvmod") or (token.dep_ == "amod" and token.pos_ in ("NOUN", "PROPN")):
        return token.lemma_.lower() not in VAGUE_MODIFIERS and token.lemma_.lower() not in GENERIC_HEADS
    if token.dep_ == "amod":
        return token.lemma_.lower() not in VAGUE_MODIFIERS
    if token.dep_ == "prep" and token.lower_ in ("of", "for", "to", "in", "with"):
        return any(c.dep_ == "pobj" and not is_generic_phrase(c) for c in token.children)
    return False


def is_generic_phrase(token, domain: str = "general") -> bool:
    """A generic head ('risk', 'procedure') with no specific modifier, or a pronoun. In legal text 'either party'
    is how a contract names its parties."""
    lemma = token.lemma_.lower()
    if token.pos_ == "PRON" or token.lower_ in PRONOUNS:
        return True
    # ('the terms and conditions of this Amendment' read as a bare 'terms' is vague all the same)
    if domain == "legal" and lemma in LEGAL_ROLES and not (lemma == "term" and token.tag_ == "NNS"):
        return False
    # 'a manner similar to X' is named by its span, which leaves the adjective phrase out
    named = (c for c in token.children if not is_adjective_phrase(token, c))
    return lemma in GENERIC_HEADS and not any(is_specific_modifier(c) for c in named)


def reference_checks(text: str) -> list[str]:
    """An object that points into the document ('subject to the provisions of part 172'); a section as subject states
    its own rule ('Section 75 applies to credit card purchases')."""
    return ["cross_reference"] if CROSS_REFERENCE.search(text) else []


# Class nouns that 'the' alone turns into a pointer back: 'mask the signs of the syndrome' (which one?)
CLASS_NOUNS = {
    "syndrome", "disorder", "disease", "condition", "illness", "process", "drug", "medication", "medicine",
    "product", "agent", "compound", "reaction", "event", "infection", "tumor", "tumour", "lesion", "procedure",
}  # fmt: skip


def is_anaphor(token, domain: str) -> bool:
    """'these reactions', 'such patients', 'the syndrome': a noun that points back at an earlier sentence (in legal
    text 'this Agreement' names the document itself)."""
    pointed = any(c.dep_ in ("det", "amod", "predet") and c.lower_ in DEMONSTRATIVES for c in token.children)
    described = any(
        c.dep_ in ("compound", "amod", "nmod", "prep", "relcl", "acl")
        and c.lower_ not in DEMONSTRATIVES | VAGUE_MODIFIERS | {"underlying"}
        for c in token.children
    )
    the_class = token.lemma_.lower() in CLASS_NOUNS and any(c.lower_ == "the" for c in token.children)
    # 'reserved for these two groups of children': a counted 'these' points back whatever describes it
    counted = pointed and any(c.dep_ == "nummod" for c in token.children)
    return domain != "legal" and (counted or ((pointed or the_class) and not described))


def of_anaphor(token, domain: str) -> bool:
    """'the signs and symptoms of the syndrome': what the phrase is of points back."""
    return any(
        is_anaphor(pobj, domain)
        for prep in token.children
        if prep.dep_ == "prep" and prep.lower_ == "of"
        for pobj in prep.children
        if pobj.dep_ == "pobj"
    )


def subject_checks(token) -> list[str]:
    """'Its active substance is X', 'when their oxidations are inhibited by X': a clause subject's possessive pronoun
    points before the sentence (an object's usually points at the subject, 'each party shall bear its own costs'), so
    the argument is whatever 'its' refers to."""
    possessed = any(c.dep_ == "poss" and c.tag_ == "PRP$" for c in token.children)
    return ["generic_argument"] if possessed else ["truncated_span"] if listed_in_phrase(token) else []


def listed_in_phrase(token) -> bool:
    """'The clauses on confidentiality, limitation of liability and governing law survive': a bare subject conjunct
    after a phrase of the first conjunct is more likely one of that phrase's list ('clauses on ... governing law')."""
    first = token
    while first.dep_ == "conj" and first.head != first:
        first = first.head
    if first is token or first.dep_ not in ("nsubj", "nsubjpass") or any(c.dep_ == "det" for c in token.children):
        return False
    return any(c.dep_ == "prep" and first.i < c.i < token.i for c in first.children)


def cut_range(last) -> bool:
    """'a reduction to approximately one-third' of '... one-third to one-fourth of the usual dose': a span that stops
    at the first number of a range."""
    doc = last.doc
    after = doc[last.i + 1 : last.i + 3]
    return (
        (last.like_num or last.pos_ == "NUM" or (last.i > 0 and doc[last.i - 1].text == "-"))
        and len(after) == 2
        and after[0].lower_ in ("to", "-", "–", "or")
        and after[1].like_num
    )


def opens_clause(token) -> bool:
    """'Psoriasis is a chronic disease and withdrawal of X should have little effect': a conjunct followed by a verb
    that does not govern it is the subject of the next clause, not a second object."""
    if token.dep_ != "conj":
        return False
    for after in token.doc[token.right_edge.i + 1 : token.sent.end]:
        if after.tag_ in FINITE_TAGS:
            verb = after.head if after.dep_ in ("aux", "auxpass") else after
            return verb not in token.ancestors
        if after.is_punct or after.pos_ in ("CCONJ", "SCONJ", "VERB", "AUX", "PRON"):
            return False
    return False


def described_elsewhere(token, words: list[str]) -> bool:
    """'A syndrome consisting of involuntary movements may develop': one common noun that a clause brings in with 'a'
    names nothing until the clause that describes it, which the span leaves out ('X is a company operating in Y' is
    still a company)."""
    described = any(c.dep_ in ("acl", "relcl") for c in token.children)
    brought_in = token.dep_ in ("nsubj", "nsubjpass") and indefinite(token)
    return len(words) == 1 and words[0].islower() and described and brought_in


def indefinite(noun) -> bool:
    return any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in noun.children)


def shares_modifiers(token) -> bool:
    """'both the serum and urinary uric acid levels': a bare singular noun whose article also serves a plural
    compound after it is one of that compound's modifiers ('serum uric acid levels'), not a thing of its own
    ('serum'); 'nausea and stomach ulcers' has no shared article."""
    partner = next((c for c in token.children if c.dep_ == "conj"), None)
    bare = not any(c.dep_ in ("amod", "compound", "nmod", "prep", "appos") for c in token.children)
    return (
        bare
        and token.tag_ == "NN"
        and any(c.dep_ == "det" for c in token.children)
        and partner is not None
        and partner.tag_ == "NNS"
        and not any(c.dep_ == "det" for c in partner.children)
        and any(c.dep_ == "compound" for c in partner.children)
    )


def restricted_elsewhere(tokens, other) -> bool:
    """'exposure to drugs that are metabolized by CYP3A4', 'Adverse reactions that led to dose delays were
    neutropenia': a clause subject or a generic noun of the span is narrowed by a relative clause the span leaves out
    (no comma before it), so the span names more than the sentence speaks of; a fact read from that clause itself
    (its other argument inside it) is not narrowed. An object's clause mostly describes what is named ('a metabolic
    disorder which is characterized by X')."""
    for noun in tokens:
        subject = noun.dep_ in ("nsubj", "nsubjpass") or (
            noun.dep_ == "conj" and noun.head.dep_ in ("nsubj", "nsubjpass")
        )
        narrowable = subject or noun.lemma_.lower() in GENERIC_HEADS
        # 'vehicles and vessels to be sold': a clause after the last conjunct hangs on the first
        shared = noun.head.children if subject and noun.dep_ == "conj" else ()
        for clause in [*noun.children, *shared] if narrowable else ():
            condition = clause.left_edge.tag_ == "WRB"  # 'side effects of X when used with Y': a circumstance
            restrictive = clause.dep_ == "relcl" and clause not in tokens and clause.left_edge.i > noun.i
            restrictive = restrictive and not condition
            opening = noun.doc[clause.left_edge.i - 1] if clause.left_edge.i > 0 else noun
            if restrictive and opening.text != "," and other not in clause.subtree:
                return True
    return False


def is_run_in_heading(token, words: list[str]) -> bool:
    """'DESCRIPTION OF DISTRIBUTOR The Distributor is a company': an argument opening with words in capitals, in a
    sentence that is not shouted, starts with a heading the sentence ran into (a warning is all capitals)."""
    letters = [w for w in words if any(ch.isalpha() for ch in w)]
    opening = next((i for i, w in enumerate(letters) if not w.isupper()), len(letters))
    return opening >= 2 and any(t.is_lower for t in token.sent)


def argument_checks(token, text: str, tokens=(), domain: str = "general") -> list[str]:
    """What is wrong with one argument: its head token, its text, the tokens its span is made of."""
    words = text.split()
    if token.pos_ == "PRON" or token.lower_ in PRONOUNS or text.lower() in PRONOUNS:
        return ["pronoun"]
    # a unit written onto its number counts as a number too: '46°F', '5mg'
    letters = [w for w in words if any(ch.isalpha() for ch in w) and UNIT_PREFIX.sub("", w.lower()) not in UNITS]
    if not letters:
        return ["bare_number"]
    checks = []
    # 'the following adverse reactions', 'the above conditions' point at a list elsewhere.
    # 'the five most common adverse reactions': a counted superlative stands for the list that names them
    counted = any(c.dep_ == "nummod" for c in token.children) and any(t.tag_ in ("JJS", "RBS") for t in tokens)
    if (
        is_generic_phrase(token, domain)
        or counted
        or words[0].lower() in POINTERS
        or is_anaphor(token, domain)
        or of_anaphor(token, domain)
        or described_elsewhere(token, words)
    ):
        checks.append("generic_argument")
    if len(words) > MAX_WORDS:
        checks.append("long_span")
    if is_run_in_heading(token, words):
        checks.append("title")
    if RUN_TOGETHER.search(text):
        checks.append("run_together")
    if tokens and any("\n" in t.whitespace_ for t in sorted(tokens, key=lambda t: t.i)[:-1]):
        checks.append("line_break")
    # 'Co' of a split 'Co-administration'; an adjective left of its noun ('ventricular' of 'ventricular arrhythmias')
    following = token.nbor(1) if token.i + 1 < len(token.doc) else token
    # ('mild' of 'mild (CLcr=50-80 mL/min) and moderate renal impairment')
    cut_adjective = token.pos_ == "ADJ" and (following.pos_ in ("NOUN", "PROPN") or following.text in (",", "/", "("))
    short = (len(text) < 3 and not text.isupper()) or cut_adjective
    gerund_clause = token.tag_ == "VBG" and any(c.dep_ == "dobj" for c in token.children)  # 'Dividing an agreement'
    # A clause, no entity: also a span across a finite verb ('stock shall') or a bare verb as head ('If rash or
    # itching develop' read as the subject of the main clause).
    bare_verb = token.tag_ == "VB" or token.dep_ == "csubj" or token.pos_ == "ADV"  # 'once daily' read as a subject
    # 'LIPITOR ... promptly interrupt therapy', 'signs of dysrhythmias and monitoring should continue': a bare verb
    # (not an infinitive's) or a conjunct opening the next clause inside the span
    inner_verb = any(t.tag_ == "VB" and t.i > 0 and t.doc[t.i - 1].lower_ != "to" for t in tokens)
    if (
        gerund_clause
        or bare_verb
        or inner_verb
        or read_imperative(token, tokens)
        or token.lower_ == "whoever"
        or (tokens and any(t.tag_ in FINITE_TAGS for t in tokens))
        or any(opens_clause(t) for t in (token, *tokens))
    ):
        checks.append("clause_argument")
    if STATISTIC.search(text):
        checks.append("statistic")
    dangling = tokens and max(tokens, key=lambda t: t.i).pos_ in DANGLING_END
    cut = tokens and cut_range(max(tokens, key=lambda t: t.i))
    cut = cut or dropped_infinitive(token, tokens) or split_compound(token, tokens)
    if short or text.count("(") != text.count(")") or dangling or cut or shares_modifiers(token):
        checks.append("truncated_span")
    return checks


def after_span(token, tokens) -> tuple:
    """The span's last word (trailing punctuation aside) and the token right after it (the word itself at the end)."""
    words = [t for t in tokens if not t.is_punct] or [token]
    last = max(words, key=lambda t: t.i)
    return last, token.doc[last.i + 1] if last.i + 1 < len(token.doc) else last


def dropped_infinitive(token, tokens) -> bool:
    """'grants MMI the rights to copy the master materials': a noun right before a to-clause the span leaves out ('the
    right to terminate', 'the obligation to pay') names nothing without it, whatever the parse hangs the clause on."""
    last, after = after_span(token, tokens)
    common = last.tag_ in ("NN", "NNS")  # not 'authorize the General Services Administration to conduct the sale'
    return common and after.tag_ == "TO" and after.head.tag_ == "VB" and after.head not in tokens


def read_imperative(token, tokens) -> bool:
    """'Administer diluted ceftriaxone by infusion', 'Reconstitute lyophilized powder with water': an instruction whose
    verb the tagger read as a noun subject, its participle as the verb. A bare capitalised word opens the sentence and
    is a verb's base form; one that is also a noun ('Store', 'Exercise') counts only before a past form with a bare
    noun after it ('Store reconstituted vials', not 'Exercise reduced the risk of falls')."""
    from lemminflect import getAllLemmas

    first = token.i == token.sent.start or all(t.is_punct for t in token.doc[token.sent.start : token.i])
    bare = first and len(tokens) <= 1 and token.text[:1].isupper() and token.tag_ in ("NN", "NNP")
    lemmas = getAllLemmas(token.lower_) if bare and not indefinite(token) else {}
    if token.lower_ not in lemmas.get("VERB", ()):
        return False
    after = token.doc[token.i + 1 : token.i + 3]
    participle = len(after) == 2 and after[0].tag_ in ("VBD", "VBN") and after[1].pos_ in ("NOUN", "PROPN", "ADJ")
    return "NOUN" not in lemmas or participle


def split_compound(token, tokens) -> bool:
    """'exclude transport, insurance, VAT and Import duties': a name the parse cut from the noun right after it
    ('Import' without 'duties')."""
    last, after = after_span(token, tokens)
    nouns = last.pos_ in ("NOUN", "PROPN") and after.pos_ in ("NOUN", "PROPN")
    # (not 'clozapine' of 'clozapine therapy', a drug named through its therapy on purpose)
    return nouns and after is not last and after not in tokens and after != last.head


def listed_change(verb) -> list[str]:
    """'Somnolence, dizziness, fatigue, tremor, and decreased libido': a list's last item, a change ('decreased
    libido'), read as a past verb whose subjects are the items before it ('Smoking, obesity and diabetes increased the
    risk of stroke' has no comma before its 'and' and an object with its article)."""
    doc = verb.doc
    after_list = verb.i >= 2 and doc[verb.i - 1].dep_ == "cc" and doc[verb.i - 2].text == ","
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    listed = subject is not None and any(c.dep_ == "conj" for c in subject.children)
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    bare = bool(objects) and not any(c.dep_ in ("det", "poss") for o in objects for c in o.children)
    return ["enumeration"] if verb.tag_ == "VBD" and after_list and listed and bare else []


def narrowing_line(verb) -> list[str]:
    """'(a) Distributors who are exempted persons.': a verbless list line names a noun and narrows it by a relative
    clause; nothing is claimed of all distributors ('Active liver disease, which may include X' still claims)."""
    root = verb.sent.root
    restrictive = verb.dep_ == "relcl" and verb.left_edge.i > 0 and verb.doc[verb.left_edge.i - 1].text != ","
    return ["fragment"] if restrictive and verb.head == root and root.pos_ in ("NOUN", "PROPN") else []


def sentence_checks(sent) -> list[str]:
    """Titles, headings and list lines are not statements: no finite verb, or a line in Title Case."""
    text = sent.text.strip()
    finite = tagged_bare_present(sent.root) or any(t.tag_ in FINITE_TAGS for t in sent)
    if not finite or bare_participle(sent.root):
        return ["fragment"]
    if text.startswith("§"):  # a section heading of a code: '§ 72.66 Purchaser entitled to bill of sale.'
        return ["title"]
    words = [w for w in BULLET.sub("", text).split() if w[:1].isalpha()]
    capitalised = sum(1 for w in words if w[:1].isupper())
    if text[-1:] not in ".!?:;" and len(words) >= 3 and capitalised >= 0.6 * len(words):
        return ["title"]
    return []


# A filed contract's note on its own redactions: 'Confidential Materials omitted and filed separately with the
# Securities and Exchange Commission. Asterisks denote omissions.'
FILING_NOTE = re.compile(
    r"\b(omitted|redacted)\b.*\bSecurities and Exchange Commission\b|\bconfidential treatment\b|"
    r"\b(asterisks?|brackets?)\b.*\b(omitted|omissions?|redacted|redactions?)\b",
    re.IGNORECASE,
)


def others_checks(noun) -> list[str]:
    """Of a denied object: 'does not inhibit other CYP enzymes' denies the rest, not the named ones the span keeps
    ('X or other Y' names the rest beside it)."""
    other = any(c.lower_ == "other" for c in noun.children) and noun.dep_ != "conj"
    return ["truncated_span"] if other else []


# All of a trial's adverse reactions taken together ('serious adverse events', 'side effects')
TALLIED = re.compile(
    r"^(?:serious |severe |fatal )?(?:adverse (?:reactions?|events?|effects?|experiences?)|side effects?)$", re.I
)
# What a trial did about a reaction: 'led to discontinuation of treatment', 'dose delays', 'dose reduction'
COURSE = re.compile(
    r"^(?:(?:treatment|dose|drug|study drug) )?(?:discontinuations?|interruptions?|delays?|withdrawals?)\b|"
    r"^dose (?:reductions?|modifications?)$",
    re.I,
)
CAUSAL = {"causes", "leads_to", "may_lead_to", "associated_with", "increases_risk_of"}


def tally_checks(relation: str, subject: str, obj: str) -> list[str]:
    """'Adverse reactions led to treatment discontinuation in 21% of patients', 'Adverse reactions related to bleeding
    occurred in 417 patients', 'infusion reactions that led to discontinuation of treatment': a trial's count over all
    its adverse reactions, or what the trial did about one, says nothing of what a drug or a reaction does; what the
    reactions include ('adverse reactions include headache') does."""
    tallied = TALLIED.match(subject) and relation not in ("includes", "is_a")
    return ["generic_argument"] if tallied or (relation in CAUSAL and COURSE.match(obj)) else []


def echo_checks(subject: str, obj: str) -> list[str]:
    """'Severe arrhythmias should be treated with appropriate anti-arrhythmic measures': an object named after the
    subject it acts against says nothing new."""
    head = subject.lower().split()[-1][:6] if subject.split() else ""
    against = [w[4:].lstrip("-") for w in obj.lower().split() if w.startswith("anti")]
    return ["generic_argument"] if len(head) >= 4 and any(w.startswith(head) for w in against) else []


def recital_checks(sent) -> list[str]:
    """'WHEREAS, the Grantor did vote to grant a renewal': a contract's recital tells the background, not a term; a
    note on the filing's redactions is about the document, not its terms."""
    if FILING_NOTE.search(sent.text):
        return ["cross_reference"]
    return ["subordinate_clause"] if re.match(r"\s*(WHEREAS|Whereas)\b", sent.text) else []


def tagged_bare_present(root) -> bool:
    """The tagger reads some present plurals as a bare verb ('Warfarin and aspirin increase the risk'): a subject says
    the verb is finite."""
    return root.tag_ == "VB" and any(c.dep_ == "nsubj" for c in root.children)


def bare_participle(root) -> bool:
    """'When used with respect to a distributor, the property on which X is kept': a participle heads the sentence
    with neither auxiliary nor subject; what follows is a definition's fragment, not a statement."""
    own = {c.dep_ for c in root.children}
    return root.tag_ in ("VBN", "VBG") and not own & {"aux", "auxpass", "nsubj", "nsubjpass", "csubj"}


def complexity_checks(sent) -> list[str]:
    """Long rules and list sentences: a fact from one is right less often than from a short statement."""
    words = [t for t in sent if not t.is_punct and not t.is_space]
    commas = sum(1 for t in sent if t.text == ",")
    return ["long_sentence"] if len(words) > MAX_SENTENCE_WORDS or commas >= MAX_COMMAS else []


def relation_checks(
    surface: str, relation: str, canonical: set[str], reduced: bool = False, domain: str = "general"
) -> list[str]:
    """A relation outside the vocabulary is weaker evidence than 'treats' or 'must_pay'; a weak verb ('have',
    'see'), a bare 'be' with a preposition ('be in') or a passive with a direct object (the parse lost its
    preposition: 'should not be mixed with, or transferred into, X'), or a reduced relative's circumstance
    ('firearms seized under 18 U.S.C.', background to the sentence's claim) relates nothing specific. In legal text a
    rule has a modal or a vocabulary relation; any other verb narrates ('the parties executed this Agreement')."""
    words = surface.split()
    if words and words[0] in ("shall", "must", "may", "can", "should", "not"):
        words = words[1:]
    if relation in canonical:
        return []
    core = [w for w in words if w != "not"]
    bare_be = len(core) == 2 and core[0] == "be"
    weak = reduced or bare_be or (bool(words) and words[0] in WEAK_VERBS)
    checks = ["weak_relation"] if weak else []
    if relation.startswith(MODAL_PREFIXES):
        return checks
    passive = bool(words) and words[0] == "be"
    return [*checks, "unknown_relation", *(["unruled_legal"] if domain == "legal" and passive else [])]


def is_condition(verb) -> bool:
    """A clause opened by 'if', 'unless'...; the parser hangs a second condition on the main clause as a conjunct
    ('do not use it if X is present or if Y sticks to Z'), and a subjectless 'when used with Y' on a noun as a
    relative clause ('the side effects of X when used with Y')."""
    if any(c.dep_ == "mark" and c.lower_ in CONDITION_MARKS for c in verb.children):
        return True
    reduced = verb.dep_ in ("relcl", "acl") and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
    return reduced and any(c.dep_ == "advmod" and c.lower_ in CONDITION_MARKS for c in verb.children)


def has_mark(verb, word: str) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == word for c in verb.children)


def clause_checks(verb) -> list[str]:
    """A fact stated inside a condition ('when X is forfeited', 'if you do not know if X contains Y') or a clause
    that is required or believed ('may require that X be submitted') is not asserted by the sentence."""
    token = verb
    for _ in range(3):
        # (also a root: 'If anaphylaxis occurs, discontinue X' parsed with 'occurs' as the root)
        if token.dep_ in ("advcl", "conj", "relcl", "acl", "ROOT") and is_condition(token):
            return ["subordinate_clause"]
        if token.dep_ == "ccomp" and token.head.lemma_.lower() in NON_ASSERTING:
            return ["subordinate_clause"]
        # 'the reports that X may contribute to Y have been reviewed': a claim about X, held up for review
        if token.dep_ == "acl" and token.head.lemma_.lower() in REPORTED and has_mark(token, "that"):
            return ["subordinate_clause"]
        if has_mark(token, "whether"):
            return ["subordinate_clause"]  # 'whether X differ in Y is unknown' asks, it does not state
        # 'hear a voice, with the back turned to the examiner': a scene around the main clause
        if token.dep_ == "pcomp" and token.head.lower_ in ("with", "without"):
            return ["subordinate_clause"]
        if token.dep_ not in ("conj", "advcl", "ccomp", "xcomp") or token.head == token:
            return []
        token = token.head
    return []


# Nouns that name a role toward something: 'X is a substrate' says nothing until 'of CYP3A4'.
RELATIONAL_NOUNS = {
    "substrate", "inhibitor", "inducer", "metabolite", "derivative", "analog", "analogue", "precursor", "component",
    "constituent", "member", "part", "source", "cause", "marker", "predictor", "agonist", "antagonist", "ligand",
}  # fmt: skip


def relational_checks(noun) -> list[str]:
    """'MMAE is a substrate and an inhibitor of CYP3A4', 'a strong inhibitor': a role noun named without what it is
    a role toward is cut from its phrase ('an SGLT2 inhibitor' says toward what before the noun)."""
    named = [
        c
        for c in noun.children
        if c.dep_ == "amod" and (c.tag_.startswith("NN") or any(ch.isdigit() or ch.isupper() for ch in c.text))
    ]  # 'CYP3A4 inducer', 'enzyme inhibitor' with the noun read as a modifier
    toward = named or any(c.dep_ in ("compound", "nmod", "prep", "poss") for c in noun.children)
    return ["truncated_span"] if noun.lemma_.lower() in RELATIONAL_NOUNS and not toward else []


def value_checks(relation: str, subject, obj, object_text: str) -> list[str]:
    """A value is a fact only with what it measures and for whom: 'the half-life of allopurinol is 1-2 hours', not
    'the average is 200 to 300 mg' (of what?), 'in rats the acute LD50 is 750 mg/kg' or 'the upper limit of normal is
    about 7 mg/dL for men' (a scope on the verb or the value)."""
    if relation != "is_a" or not QUANTITY.match(object_text.lower()):
        return []
    measured = any(c.dep_ == "prep" and c.lower_ == "of" for c in subject.children)
    on_verb = [c for c in obj.head.children if c.dep_ == "prep"] if obj.dep_ == "attr" else []
    scoped = on_verb or any(c.dep_ == "prep" and c.lower_ in SCOPES for c in obj.children)
    return [] if measured and not scoped else ["unscoped_value"]
