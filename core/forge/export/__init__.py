"""Take a trained model home: LoRA adapters as llama.cpp GGUF adapters, fused GGUF and MLX models.

numpy and the ``gguf`` package only (no MLX, no llama.cpp), except the MLX folder export.
See docs/models.md ("Export") for how to use the files in llama.cpp, ollama and LM Studio.
"""
