import pytest

from training.template import (
    PROBE,
    assistant_text,
    has_generation_markers,
    inference_chat_template,
    training_chat_template,
)
from training.tiny import CHAT_TEMPLATE, TRAINING_TEMPLATE, train_tokenizer

# SmolLM2-135M-Instruct's template: ChatML by concatenation, no generation markers.
SMOLLM2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(["First question? First answer. Second question? Second answer."] * 5, 300)


def test_markers_are_added_to_a_chatml_template_without_changing_its_text(tokenizer):
    tokenizer.chat_template = SMOLLM2
    patched = training_chat_template(tokenizer)
    assert "{% generation %}" in patched
    assert assistant_text(tokenizer, patched) == "First answer.<|im_end|>\nSecond answer.<|im_end|>\n"


def test_a_template_it_cannot_mark_is_a_clear_error(tokenizer):
    tokenizer.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"
    with pytest.raises(ValueError, match="generation"):
        training_chat_template(tokenizer)


# A template whose markers trim whitespace: dropping them would change the text, so they become no-op blocks.
TRIMMING = (
    "{% for m in messages %}{% if m['role'] == 'assistant' %}A: {%- generation -%}  {{ m['content'] }}"
    "{%- endgeneration %}\n{% else %}Q: {{ m['content'] }}\n{% endif %}{% endfor %}"
)


@pytest.mark.parametrize("marked", [TRAINING_TEMPLATE, TRIMMING], ids=["tiny", "trimming"])
def test_shipped_template_renders_in_plain_jinja2_as_the_marked_one_does(tokenizer, marked):
    import jinja2

    plain = inference_chat_template(marked)
    assert not has_generation_markers(plain)
    rendered = jinja2.Environment().from_string(plain).render(messages=PROBE, add_generation_prompt=True)
    assert rendered == tokenizer.apply_chat_template(
        PROBE, chat_template=marked, tokenize=False, add_generation_prompt=True
    )


def test_the_tiny_base_ships_the_plain_template_and_trains_with_the_marked_one(tokenizer):
    tokenizer.chat_template = CHAT_TEMPLATE
    assert not has_generation_markers(CHAT_TEMPLATE)
    assert training_chat_template(tokenizer) == TRAINING_TEMPLATE
