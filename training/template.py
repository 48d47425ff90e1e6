"""Chat templates fit for assistant-only loss (`{% generation %}` markers around every assistant turn), and the
plain template shipped with a fine-tune: the markers are a transformers extension that plain Jinja2, llama.cpp,
vLLM and most other runtimes reject."""

from __future__ import annotations

import re

# A message printed by one concatenation, as ChatML templates do (SmolLM2, Qwen1.5, many others):
# {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}
CONCAT_MESSAGE = re.compile(r"\{\{-?\s*(?P<head>[^{}]*?)\s*\+\s*message\['content'\]\s*(?P<tail>\+[^{}]*?)?\s*-?\}\}")
PROBE = [
    {"role": "user", "content": "First question?"},
    {"role": "assistant", "content": "First answer."},
    {"role": "user", "content": "Second question?"},
    {"role": "assistant", "content": "Second answer."},
]


# With the newline right after a marker: transformers renders with trim_blocks, which drops it, so the plain
# template must not keep it (plain Jinja2 would print it, and the shipped model would see a turn it never trained on).
MARKER = re.compile(r"\{%(-?)\s*(generation|endgeneration)\s*(-?)%\}\n?")


def has_generation_markers(template: str) -> bool:
    return re.search(r"\{%-?\s*generation\s*-?%\}", template) is not None


def inference_chat_template(template):
    """The template without generation markers, rendering the same text (a dict of named templates: each one)."""
    if isinstance(template, dict):
        return {name: inference_chat_template(t) for name, t in template.items()}
    if not any(left or right for left, _, right in MARKER.findall(template)):
        return MARKER.sub("", template)
    # A marker that trims whitespace must keep trimming: an always-true `if` block does so and prints nothing.
    return MARKER.sub(lambda m: f"{{%{m[1]} {'if true' if m[2] == 'generation' else 'endif'} {m[3]}%}}", template)


def mark_concatenated_messages(template: str) -> str | None:
    """Wrap the assistant's content and end-of-turn text in generation markers; None if the template differs."""
    match = CONCAT_MESSAGE.search(template)
    if match is None:
        return None
    head, tail = match["head"], (match["tail"] or "").lstrip("+").strip()
    rest = f"message['content'] + {tail}" if tail else "message['content']"
    marked = (
        f"{{{{ {head} }}}}{{% if message['role'] == 'assistant' %}}{{% generation %}}{{{{ {rest} }}}}"
        f"{{% endgeneration %}}{{% else %}}{{{{ {rest} }}}}{{% endif %}}"
    )
    return template[: match.start()] + marked + template[match.end() :]


def assistant_text(tokenizer, template: str) -> str:
    """The text the assistant mask keeps when the probe conversation is rendered with `template`."""
    encoded = tokenizer.apply_chat_template(
        PROBE, chat_template=template, return_assistant_tokens_mask=True, return_dict=True
    )
    return tokenizer.decode([t for t, m in zip(encoded["input_ids"], encoded["assistant_masks"]) if m])


def training_chat_template(tokenizer) -> str:
    """The tokenizer's template with generation markers, checked to render exactly as the original does."""
    from trl.chat_template_utils import get_training_chat_template

    original = tokenizer.chat_template
    if isinstance(original, dict):
        original = original["default"]
    if has_generation_markers(original):
        return original
    from training.tiny import TRAINING_TEMPLATE

    if original == inference_chat_template(TRAINING_TEMPLATE):  # kgsynth's tiny base ships the plain form
        return TRAINING_TEMPLATE
    try:
        patched = get_training_chat_template(tokenizer) or original
    except ValueError:
        patched = mark_concatenated_messages(original)
    same = patched is not None and tokenizer.apply_chat_template(
        PROBE, chat_template=patched, tokenize=False
    ) == tokenizer.apply_chat_template(PROBE, chat_template=original, tokenize=False)
    if not same or not has_generation_markers(patched):
        raise ValueError(
            "cannot add {% generation %} markers to this model's chat template: add them around the assistant's "
            "content in tokenizer_config.json, or use a chat model whose template TRL knows"
        )
    kept = assistant_text(tokenizer, patched)
    if "First answer." not in kept or "question" in kept:
        raise ValueError("the chat template's generation markers do not cover exactly the assistant's replies")
    return patched
