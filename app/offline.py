"""Keep every library offline and writing only under the data dir (see OFFLINE.md)."""

from __future__ import annotations

import os
import tempfile

from app.config import Settings


def apply_offline_environment(settings: Settings) -> None:
    """Set the variables that stop libraries from phoning home or writing outside the data dir.

    Call it once, right after Settings is built and before CrewAI, transformers or
    sentence-transformers are imported: they read these variables at import time.
    """
    cache = settings.cache_dir
    home = settings.data_dir / "home"
    tmp = settings.data_dir / "tmp"
    for folder in (cache, home, tmp):
        folder.mkdir(parents=True, exist_ok=True)
    # OTEL_SDK_DISABLED is deliberately left alone: it would also silence LangSmith tracing.
    values = {
        # Later Settings() calls must resolve the same data dir, whatever HOME says now.
        "LEXCREW_DATA_DIR": str(settings.data_dir),
        "CREWAI_DISABLE_TELEMETRY": "true",
        "CREWAI_TRACING_ENABLED": "false",
        "CREWAI_DISABLE_VERSION_CHECK": "true",
        "CREWAI_STORAGE_DIR": str(settings.data_dir / "crewai"),
        # CrewAI writes settings and credentials under ~ and lock files in the temp dir.
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(cache / "huggingface"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TORCH_HOME": str(cache / "torch"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "TOKENIZERS_PARALLELISM": "false",
        "TIKTOKEN_CACHE_DIR": str(cache / "tiktoken"),
        "MPLCONFIGDIR": str(cache / "matplotlib"),
        # LangSmith's sender threads must never keep a process from exiting.
        "LANGSMITH_USE_DAEMON": "true",
    }
    os.environ.update(values)
    tempfile.tempdir = str(tmp)
