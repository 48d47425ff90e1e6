"""What a generation run will cost before it spends anything: requests, tokens and dollars from the plan."""

from __future__ import annotations

from generation.generate import GenerationConfig
from generation.plan import FactIndex, plan_fact
from generation.prompts import dialogue_assistant_prompt, dialogue_user_prompt, multihop_prompt, qa_prompt
from generation.records import QAPair
from kgraph.llm import LLMConfig, OpenAICompatible, Prompt, estimate_tokens
from kgraph.records import Fact

# Typical reply lengths in tokens, for the completion side of the estimate.
REPLY_TOKENS = {"qa": 150, "multihop": 220, "turn": 80}


def prompt_tokens(prompt: Prompt) -> int:
    return sum(estimate_tokens(m["content"]) for m in prompt.messages)


def estimate_generation(
    facts: list[Fact], index: FactIndex, cfg: GenerationConfig, llm_cfg: LLMConfig, llm: OpenAICompatible | None
) -> dict:
    """Requests, tokens and cost the plan would take (the dry run's summary counters); single-call prompts already in
    the cache count as free."""
    counts = {"qa": 0, "dialogue": 0, "multihop": 0}
    requests = cached = sent_in = sent_out = 0
    for fact in facts:
        for job in plan_fact(fact, index, cfg):
            counts[job.kind] += 1
            if job.kind != "dialogue":
                prompt = multihop_prompt(job) if job.kind == "multihop" else qa_prompt(job)
                if llm is not None and llm.cache is not None and llm.cache.get(llm.key(prompt, QAPair)):
                    cached += 1
                    continue
                requests += 1
                sent_in += prompt_tokens(prompt)
                sent_out += REPLY_TOKENS[job.kind]
                continue
            # Each turn is two calls whose prompts carry the conversation so far (estimated from reply sizes).
            for turn in range(job.turns):
                history = turn * 2 * REPLY_TOKENS["turn"]
                user = prompt_tokens(dialogue_user_prompt(job, turn, []))
                assistant = prompt_tokens(dialogue_assistant_prompt(job, turn, []))
                requests += 2
                sent_in += user + assistant + 2 * history + REPLY_TOKENS["turn"]
                sent_out += 2 * REPLY_TOKENS["turn"]
    cost = (sent_in * llm_cfg.input_price + sent_out * llm_cfg.output_price) / 1e6
    return {
        "provider": f"{llm.provider}:{llm.model}" if llm else "offline (no endpoint configured)",
        **{f"{kind}_samples": n for kind, n in counts.items()},
        "requests": requests,
        "cached": cached,
        "prompt_tokens": sent_in,
        "completion_tokens": sent_out,
        "cost_usd": round(cost, 4),
    }
