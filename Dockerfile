# lexcrew image: API, worker, beat and CLI, plus llama.cpp's OpenAI-compatible server (the
# compose `cpu` profile). CPU build: torch's CPU wheel, llama-cpp-python compiled for the
# CPU of the machine that builds the image (build it where it runs).
FROM python:3.11-slim-bookworm

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CMAKE_BUILD_PARALLEL_LEVEL=4 \
    LEXCREW_DATA_DIR=/data \
    LEXCREW_DRIFT__SAMPLE_DIR=/srv/lexcrew/samples

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/lexcrew
# The CPU wheel of torch first, so nothing pulls a CUDA build.
RUN pip install --no-cache-dir "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY app ./app
COPY agents ./agents
COPY prompts ./prompts
COPY workers ./workers
COPY web ./web
# Three labelled CUAD contracts (CC BY 4.0): the fixed sample of the weekly drift replay.
COPY samples ./samples
# llama.cpp without its AMX kernels, which crash on Gemma 3's Q4_K weights (ggml-org/llama.cpp#20824).
RUN if [ "$(uname -m)" = x86_64 ]; then \
      export CFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" CXXFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"; \
    fi \
 && pip install --no-cache-dir ".[model-server]" \
 && useradd --create-home --uid 10001 lexcrew && mkdir /data && chown lexcrew /data
USER lexcrew
# 8000: API (+ /metrics); 9101: a worker's /metrics; 8080: the llama.cpp server.
EXPOSE 8000 9101 8080
VOLUME ["/data"]
ENTRYPOINT ["lexcrew"]
CMD ["--help"]
