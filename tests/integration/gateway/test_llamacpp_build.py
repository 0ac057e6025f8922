"""The installed llama.cpp has no AMX kernels (they segfault decoding Gemma 3's Q4_K weights on
CPUs with AMX), and a build that has them is refused with a reason instead of crashing later."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.errors import ModelUnavailableError
from app.gateway import llamacpp
from app.gateway.model_files import ensure_gguf

pytestmark = pytest.mark.integration


def test_the_installed_llama_cpp_is_built_without_amx_kernels() -> None:
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode()
    assert "CPU :" in info  # the string this check reads still lists the CPU features
    assert not llamacpp.built_with_amx(), info


def test_a_build_with_amx_kernels_is_refused_with_how_to_rebuild(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llamacpp, "built_with_amx", lambda: True)
    with pytest.raises(ModelUnavailableError, match=r"AMX.*make clean"):
        llamacpp.LlamaCppModel(ensure_gguf(settings), settings.model)
