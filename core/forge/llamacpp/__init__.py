"""forge's llama.cpp engine: fast batched generation on CPU-only hosts (the ``llamacpp`` extra).

``LlamaCppEngine`` implements :class:`forge.protocols.Engine`; the plugin module
``forge.llamacpp.plugin`` registers it. Importing this package does not import llama_cpp.
"""

from forge.llamacpp.engine import LlamaCppEngine

__all__ = ["LlamaCppEngine"]
