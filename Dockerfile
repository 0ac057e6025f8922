# lexcrew worker/CLI image: CPU build (llama.cpp in-process, MiniLM, Qdrant in-process).
FROM python:3.11-slim-bookworm

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CMAKE_BUILD_PARALLEL_LEVEL=4 \
    LEXCREW_DATA_DIR=/data

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/lexcrew
# The CPU wheel of torch first, so nothing pulls a CUDA build.
RUN pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY app ./app
COPY agents ./agents
COPY prompts ./prompts
COPY workers ./workers
COPY web ./web
RUN pip install . && useradd --create-home --uid 10001 lexcrew && mkdir /data && chown lexcrew /data
USER lexcrew
VOLUME ["/data"]
ENTRYPOINT ["lexcrew"]
CMD ["--help"]
