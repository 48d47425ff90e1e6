"""A tiny Llama-style model and a tokenizer trained on the corpus: a real base model when no hub is reachable."""

from __future__ import annotations

from pathlib import Path

from training.template import inference_chat_template

# Chat template with {% generation %} markers so TRL can mask everything but the assistant's words; the tokenizer
# saves the plain form, which other runtimes can render, and training puts this one back.
TRAINING_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|assistant|>\n{% generation %}{{ message['content'] }}<|end|>{% endgeneration %}\n"
    "{% else %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
CHAT_TEMPLATE = inference_chat_template(TRAINING_TEMPLATE)
SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|unk|>"]


def train_tokenizer(texts: list[str], vocab_size: int = 2000):
    """A byte-level BPE tokenizer learned from the given texts, wrapped for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<|unk|>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(  # no progress: off a terminal it still writes three blank lines to stdout
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<|pad|>", bos_token="<|bos|>", eos_token="<|end|>", unk_token="<|unk|>"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_model(tokenizer, hidden_size: int = 128, layers: int = 2, heads: int = 4, seed: int = 0):
    """A randomly initialised LlamaForCausalLM sized for CPU tests and the offline demo.

    The output head is untied: tied 0.02-scale random embeddings behind a frozen RMSNorm cap every logit near
    1.3, so no LoRA on top could push the loss much below log(vocab) (measured: 7.6 -> 6.7 in three epochs)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 4,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=False,
    )
    return LlamaForCausalLM(config)


# Settings for a LoRA on the random tiny base: a far higher learning rate than a pretrained base wants, several
# epochs, one packed row per step (padding-free packing flattens a batch into one row whose attention cost grows
# with its square on CPU), and the output head trained whole beside the adapter since it starts as noise.
FROM_SCRATCH = {
    "learning_rate": 5e-3,
    "epochs": 5.0,
    "batch_size": 1,
    "lora_dropout": 0.0,
    "modules_to_save": ["lm_head"],
}


def from_scratch_config(cfg):
    """`cfg` with the FROM_SCRATCH settings for every field the user did not set explicitly."""
    return cfg.model_copy(update={k: v for k, v in FROM_SCRATCH.items() if k not in cfg.model_fields_set})


def save_tiny_base(texts: list[str], directory: Path, vocab_size: int = 2000) -> Path:
    """Train the tokenizer, build the model, save both as a normal checkpoint folder usable as --base-model."""
    directory = Path(directory)
    tokenizer = train_tokenizer(texts, vocab_size)
    model = build_tiny_model(tokenizer)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
