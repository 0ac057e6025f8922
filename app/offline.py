"""Keep every library offline and writing only under the data dir (see OFFLINE.md)."""

from __future__ import annotations

import os

from app.config import Settings


def apply_offline_environment(settings: Settings) -> None:
    """Set the variables that stop libraries from phoning home or writing outside the data dir."""
    cache = settings.cache_dir
    # OTEL_SDK_DISABLED is deliberately left alone: it would also silence LangSmith tracing.
    values = {
        "CREWAI_DISABLE_TELEMETRY": "true",
        "CREWAI_TRACING_ENABLED": "false",
        "CREWAI_DISABLE_VERSION_CHECK": "true",
        "CREWAI_STORAGE_DIR": str(settings.data_dir / "crewai"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(cache / "huggingface"),
        "TORCH_HOME": str(cache / "torch"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TIKTOKEN_CACHE_DIR": str(cache / "tiktoken"),
        "MPLCONFIGDIR": str(cache / "matplotlib"),
    }
    os.environ.update(values)
