"""Chinese wordings for the offline generator, for facts whose source document is written in Chinese."""

from __future__ import annotations

from generation.passage import fact_text
from generation.plan import stable
from generation.prompts import JobContext
from generation.wording_en import endpoints
from kgraph.records import Fact

# Canonical relation -> (positive, negated) statement templates.
RELATIONS = {
    "is_a": ("{s}是{o}", "{s}不是{o}"),
    "treats": ("{s}可用于治疗{o}", "{s}不能用于治疗{o}"),
    "indicated_for": ("{s}适用于{o}", "{s}不适用于{o}"),
    "contraindicated_in": ("{s}禁用于{o}", "{s}并不禁用于{o}"),
    "causes": ("{s}会引起{o}", "{s}不会引起{o}"),
    "increases_risk_of": ("{s}会增加{o}的风险", "{s}不会增加{o}的风险"),
    "reduces_risk_of": ("{s}可降低{o}的风险", "{s}不能降低{o}的风险"),
    "associated_with": ("{s}与{o}相关", "{s}与{o}无关"),
    "inhibits": ("{s}可抑制{o}", "{s}不能抑制{o}"),
    "reduces": ("{s}可降低{o}", "{s}不能降低{o}"),
    "increases": ("{s}会升高{o}", "{s}不会升高{o}"),
    "diagnoses": ("{s}可用于诊断{o}", "{s}不能用于诊断{o}"),
    "diagnosed_by": ("{s}可通过{o}诊断", "{s}不能通过{o}诊断"),
    "prevents": ("{s}可预防{o}", "{s}不能预防{o}"),
    "requires": ("{s}需要{o}", "{s}不需要{o}"),
    "must_notify": ("{s}应当通知{o}", "{s}无须通知{o}"),
    "must_pay": ("{s}应当支付{o}", "{s}无须支付{o}"),
    "may_terminate": ("{s}可以终止{o}", "{s}不得终止{o}"),
    "liable_for": ("{s}对{o}承担责任", "{s}不对{o}承担责任"),
    "entitled_to": ("{s}有权获得{o}", "{s}无权获得{o}"),
    "has_right_to": ("{s}有权{o}", "{s}无权{o}"),
    "governed_by": ("{s}受{o}管辖", "{s}不受{o}管辖"),
    "governs": ("{s}适用于{o}", "{s}不适用于{o}"),
    "applies_to": ("{s}适用于{o}", "{s}不适用于{o}"),
}
FRAMES = {
    "patient": ["{Q}", "医生提到了{s}，我想了解一下：{Q}"],
    "student": ["{Q}", "复习时遇到一个问题：{Q}"],
    "client": ["{Q}", "我在看合同，想问：{Q}"],
    "learner": ["{Q}", "我刚接触这个领域：{Q}"],
}
TYPE_QUESTIONS = {
    "definition": ["什么是{s}？", "{s}是什么？"],
    "clinical_vignette": ["一位患者问我：“{Q}”应该怎么回答？"],
    "scenario": ["一位客户问：“{Q}”答案是什么？"],
    "explanation": ["{s}和{o}之间有什么关系？"],
}
ASPECTS = {
    "definition": "{e}是什么？",
    "uses": "{e}有什么用途？",
    "treatment": "{e}如何治疗？",
    "prevention": "如何降低{e}的风险？",
    "causes": "{e}的病因和危险因素有哪些？",
    "adverse_effects": "{e}有哪些副作用和风险？",
    "effects": "{e}会导致什么？",
    "contraindications": "什么情况下不应使用{e}？",
    "diagnosis": "{e}如何诊断？",
    "mechanism": "{e}的作用机制是什么？",
    "risk_groups": "{e}影响哪些人？",
    "obligations": "{e}有哪些义务？",
    "rights": "{e}有哪些权利？",
    "liability": "{e}需要承担哪些责任？",
    "conditions": "哪些规则和条件适用于{e}？",
    "consequences": "{e}会产生什么后果？",
    "meaning": "{e}包括哪些内容？",
}
FOLLOW_UPS = ["{Q}", "那么，{Q}", "明白了。{Q}"]
MULTIHOP = ["{a}和{z}之间有什么联系？", "请逐步说明{a}是如何与{z}联系起来的。"]


def pick(options: list[str], *keys: object) -> str:
    return options[stable(*keys) % len(options)]


def templates(fact: Fact) -> tuple[str, str]:
    if fact.relation in RELATIONS:
        return RELATIONS[fact.relation]
    verb = fact.surface_relation if any("\u4e00" <= c <= "\u9fff" for c in fact.surface_relation) else ""
    return ("{s}" + verb + "{o}", "{s}不" + verb + "{o}") if verb else RELATIONS["associated_with"]


def statement(fact: Fact) -> str:
    """'二甲双胍禁用于严重肾功能不全。' with negation and hedging kept: for option stems."""
    positive, negated = templates(fact)
    text = (negated if fact.negated else positive).format(s=fact.subject, o=fact.object)
    if fact.hedged and not fact.negated:
        head = fact.subject
        text = head + "可能" + text[len(head) :].removeprefix("会").removeprefix("可")
    return text + "。"


def text_of(facts: list[Fact]) -> str:
    """The evidence sentences themselves, each once: the answer, true as written."""
    return "".join(dict.fromkeys(fact_text(f) or statement(f) for f in facts))


def verdict(fact: Fact) -> str:
    return "不是。" if fact.negated else "有可能。" if fact.hedged else "是的。"


def yes_no(fact: Fact) -> str:
    return templates(fact)[0].format(s=fact.subject, o=fact.object) + "吗？"


def core_question(facts: list[Fact], qtype: str, options: list[str], key: object) -> str:
    fact = facts[0]
    positive = templates(fact)[0]
    if qtype == "yes_no" or fact.negated:
        return yes_no(fact)
    if qtype in ("clinical_vignette", "scenario"):
        return TYPE_QUESTIONS[qtype][0].format(Q=yes_no(fact))
    if qtype == "multiple_choice":
        listed = "\n".join(f"{'ABCD'[i]}) {o}" for i, o in enumerate(mc_options(fact, options, key)))
        stem = statement(fact).rstrip("。").replace(fact.object, "____", 1)
        return f"下列哪一项能正确补全这句话：“{stem}”？\n{listed}"
    if qtype == "comparison" and len(facts) > 1:
        return f"在与{fact.subject}的关系上，{fact.object}和{facts[1].object}有何异同？"
    if qtype in TYPE_QUESTIONS:
        return pick(TYPE_QUESTIONS[qtype], key).format(s=fact.subject, o=fact.object)
    return positive.format(s=fact.subject, o="什么") + "？"


def mc_options(fact: Fact, options: list[str], key: object) -> list[str]:
    return sorted([fact.object, *options[:3]], key=lambda o: stable(key, o))


def letter_of(fact: Fact, options: list[str], key: object) -> str:
    return "ABCD"[mc_options(fact, options, key).index(fact.object)]


def question(ctx: JobContext, facts: list[Fact], key: object) -> str:
    if ctx.question_type == "aspect":
        q = ASPECTS[ctx.aspect].format(e=ctx.entity)
    else:
        q = core_question(facts, ctx.question_type, ctx.options, key)
    if "\n" in q:
        return q
    return pick(FRAMES.get(ctx.persona, ["{Q}"]), key, "frame").format(Q=q, s=facts[0].subject)


def answer(ctx: JobContext, facts: list[Fact], key: object) -> str:
    fact, qtype = facts[0], ctx.question_type
    body = text_of(facts if qtype in ("aspect", "comparison") else facts[:1])
    if qtype in ("yes_no", "clinical_vignette", "scenario") or (fact.negated and qtype not in ("aspect", "comparison")):
        body = verdict(fact) + body
    elif qtype == "multiple_choice":
        body = f"{letter_of(fact, ctx.options, key)}) {fact.object}。{body}"
    return body


def reasoning(ctx: JobContext, facts: list[Fact], key: object) -> list[str]:
    """The facts the answer rests on, each once, then the conclusion: the verdict, the letter or the object."""
    fact, qtype = facts[0], ctx.question_type
    gathered = qtype in ("aspect", "comparison")
    steps = list(dict.fromkeys(fact_text(f) or statement(f) for f in (facts if gathered else facts[:1])))
    if gathered:
        return [*steps, "综合以上几点即可作答。"]
    if qtype in ("yes_no", "clinical_vignette", "scenario") or fact.negated:
        return [*steps, f"所以答案是：{verdict(fact)}"]
    if qtype == "multiple_choice":
        return [*steps, f"所以答案是{letter_of(fact, ctx.options, key)}。"]
    return [*steps, f"所以答案是{fact.object}。"]


def turn_question(facts: list[Fact], turn: int, forms: list[str], key: object) -> str:
    q = core_question([facts[turn]], "", [], key)
    return q if turn == 0 else pick(FOLLOW_UPS, key, "follow").format(Q=q)


def turn_answer(facts: list[Fact], turn: int, forms: list[str]) -> str:
    fact = facts[turn]
    return (verdict(fact) if fact.negated else "") + text_of([fact])


def multihop_question(facts: list[Fact], persona: str, difficulty: str, key: object) -> str:
    a, z, _ = endpoints(facts)
    return pick(MULTIHOP, key).format(a=a, z=z)


def link_conclusion(facts: list[Fact]) -> str:
    a, z, bridges = endpoints(facts)
    return f"因此，{a}与{z}经由{'和'.join(dict.fromkeys(bridges))}相关联。"


def multihop_answer(facts: list[Fact], difficulty: str, key: object) -> str:
    return text_of(facts) + link_conclusion(facts)


def multihop_reasoning(facts: list[Fact]) -> list[str]:
    """One step per hop, then the link they make."""
    return [*(fact_text(f) or statement(f) for f in facts), link_conclusion(facts)]
