"""Chinese wordings for the offline generator, for facts whose source document is written in Chinese."""

from __future__ import annotations

from generation.plan import stable
from generation.wording_en import endpoints, shared_entity
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
    "clinician": ["{Q}", "临床上想确认一下：{Q}"],
    "client": ["{Q}", "我在看合同，想问：{Q}"],
    "paralegal": ["{Q}", "整理文件时想核对：{Q}"],
    "lawyer": ["{Q}", "仅就条文而言，{Q}"],
    "learner": ["{Q}", "我刚接触这个领域：{Q}"],
    "practitioner": ["{Q}", "在实际工作中，{Q}"],
}
ASKS = {
    "basic": ["", "请简单说明。"],
    "intermediate": ["", "请简要解释。"],
    "advanced": ["请注明原文的限定条件。", "请引用原文。"],
}
TYPE_QUESTIONS = {
    "definition": ["什么是{s}？", "{s}是什么？"],
    "clinical_vignette": ["一位患者询问{s}与{o}的关系，应当如何向其解释？", "门诊中涉及{s}和{o}，原文怎么说？"],
    "scenario": ["双方就{o}产生争议，文件对{s}是如何规定的？", "客户的合同涉及{s}和{o}，条文如何规定？"],
    "explanation": ["{s}和{o}之间有什么关系？", "根据原文，{s}与{o}有何关联？"],
}
CAUTION = {"negated": "（原文为否定表述。）", "hedged": "（原文措辞谨慎，表示一种可能性。）", "plain": ""}
FOLLOW_UPS = ["你刚才提到了{shared}。{Q}", "接着这个话题，{Q}", "明白了。{Q}"]
REPEATS = ["原文对此有多确定？", "原文具体是怎么说的？"]
MULTIHOP = ["根据原文，{a}和{z}之间有什么联系？", "请逐步说明{a}是如何与{z}联系起来的。"]


def pick(options: list[str], *keys: object) -> str:
    return options[stable(*keys) % len(options)]


def templates(fact: Fact) -> tuple[str, str]:
    if fact.relation in RELATIONS:
        return RELATIONS[fact.relation]
    verb = fact.surface_relation if any("\u4e00" <= c <= "\u9fff" for c in fact.surface_relation) else ""
    return ("{s}" + verb + "{o}", "{s}不" + verb + "{o}") if verb else RELATIONS["associated_with"]


def statement(fact: Fact) -> str:
    """'二甲双胍禁用于严重肾功能不全。' with negation and hedging kept."""
    positive, negated = templates(fact)
    text = (negated if fact.negated else positive).format(s=fact.subject, o=fact.object)
    if fact.hedged and not fact.negated:
        head = fact.subject
        text = head + "可能" + text[len(head) :].removeprefix("会").removeprefix("可")
    return text + "。"


def evidence_of(fact: Fact) -> str:
    return fact.evidence[0].sentence.strip() if fact.evidence else ""


def grounded(fact: Fact, difficulty: str) -> str:
    said, evidence = statement(fact), evidence_of(fact)
    quote = f"原文写道：“{evidence}”" if evidence and evidence != said else ""
    if difficulty == "basic":
        return said
    caution = (
        CAUTION["negated" if fact.negated else "hedged" if fact.hedged else "plain"] if difficulty == "advanced" else ""
    )
    return f"{said}{caution}{quote}"


def core_question(facts: list[Fact], qtype: str, options: list[str], key: object) -> str:
    fact = facts[0]
    positive = templates(fact)[0]
    if qtype == "yes_no" or (fact.negated and qtype not in TYPE_QUESTIONS and qtype != "multiple_choice"):
        return positive.format(s=fact.subject, o=fact.object) + "吗？"
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


def question(facts: list[Fact], qtype: str, persona: str, difficulty: str, options: list[str], key: object) -> str:
    q = core_question(facts, qtype, options, key)
    ask = pick(ASKS.get(difficulty, [""]), key, "ask") if "\n" not in q else ""
    return pick(FRAMES.get(persona, ["{Q}"]), key, "frame").format(Q=q, s=facts[0].subject) + ask


def answer(facts: list[Fact], qtype: str, persona: str, difficulty: str, options: list[str], key: object) -> str:
    fact = facts[0]
    body = grounded(fact, difficulty)
    if qtype == "yes_no":
        body = ("不是。" if fact.negated else "可能。" if fact.hedged else "是的。") + body
    elif qtype == "multiple_choice":
        body = f"{'ABCD'[mc_options(fact, options, key).index(fact.object)]}) {fact.object}。{body}"
    elif qtype == "comparison" and len(facts) > 1:
        body += grounded(facts[1], difficulty)
    return body


def follow_up(fact: Fact, previous: Fact, key: object) -> str:
    q = core_question([fact], "", [], key)
    return pick(FOLLOW_UPS, key, "follow").format(shared=shared_entity(fact, previous), Q=q)


def repeat_question(extra: int) -> str:
    return REPEATS[extra % len(REPEATS)]


def repeat_answer(fact: Fact, extra: int) -> str:
    if extra % len(REPEATS) == 0:
        note = (
            "原文明确否定了这一点："
            if fact.negated
            else "并不完全确定，原文只说有这种可能："
            if fact.hedged
            else "原文的表述是肯定的："
        )
        return note + statement(fact)
    return f"原文的原话是：“{evidence_of(fact)}”" if evidence_of(fact) else statement(fact)


def multihop_question(facts: list[Fact], persona: str, difficulty: str, key: object) -> str:
    a, z, _ = endpoints(facts)
    return pick(FRAMES.get(persona, ["{Q}"]), key, "frame").format(Q=pick(MULTIHOP, key).format(a=a, z=z), s=a)


def multihop_answer(facts: list[Fact], difficulty: str, key: object) -> str:
    a, z, bridges = endpoints(facts)
    via = "和".join(dict.fromkeys(bridges))
    steps = "".join(f"第{i}步：{statement(f)}" for i, f in enumerate(facts, 1))
    return f"二者通过{via}联系起来。{steps}因此，{a}与{z}经由{via}相关联。"
