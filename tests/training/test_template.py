import pytest

from training.template import assistant_text, training_chat_template
from training.tiny import train_tokenizer

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
