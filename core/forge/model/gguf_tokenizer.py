"""Rebuild a Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) from GGUF metadata.

GGUF stores the vocabulary, merges (byte-level BPE) or scores (SentencePiece), token types,
special token ids and the chat template. ``tokenizers`` rebuilds the tokenizer without torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

_CONTROL = 3  # gguf token_type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
_USER = 4
# Pre-tokenizer split patterns by ``tokenizer.ggml.pre`` (from the models' own tokenizer.json).
_QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _field(fields: dict[str, Any], key: str, default: Any = None) -> Any:
    """Return a GGUF metadata value as plain Python, or ``default`` when absent."""
    f = fields.get(key)
    return default if f is None else f.contents()


def _byte_level(pre: str) -> Any:
    """Set up the pre-tokenizer/decoder pipeline for a byte-level BPE family."""
    if pre in ("qwen2", "deepseek-llm", "llama-bpe", "llama3"):
        split = pre_tokenizers.Split(Regex(_QWEN2_SPLIT), behavior="isolated")
        return pre_tokenizers.Sequence(
            [split, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
        )
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre == "smollm":
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    return byte_level


def _bpe_tokenizer(fields: dict[str, Any], tokens: list[str]) -> Tokenizer:
    """Build a byte-level BPE tokenizer (GGUF ``tokenizer.ggml.model == "gpt2"``)."""
    merges = [tuple(m.split(" ", 1)) for m in _field(fields, "tokenizer.ggml.merges", [])]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=False))
    tok.pre_tokenizer = _byte_level(str(_field(fields, "tokenizer.ggml.pre", "default")))
    tok.decoder = decoders.ByteLevel()
    return tok


def _spm_merges(tokens: list[str], scores: list[float]) -> list[tuple[str, str]]:
    """Derive BPE merges from a SentencePiece vocabulary, ranked by the merged piece's score."""
    vocab = {t: i for i, t in enumerate(tokens)}
    found = []
    for piece, idx in vocab.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in vocab and right in vocab:
                found.append((-scores[idx], vocab[left], vocab[right], left, right))
    found.sort()
    return [(a, b) for *_, a, b in found]


def _spm_tokenizer(fields: dict[str, Any], tokens: list[str]) -> Tokenizer:
    """Build a SentencePiece-style BPE tokenizer with byte fallback (``model == "llama"``)."""
    scores = [float(s) for s in _field(fields, "tokenizer.ggml.scores", [0.0] * len(tokens))]
    vocab = {t: i for i, t in enumerate(tokens)}
    unk = int(_field(fields, "tokenizer.ggml.unknown_token_id", 0))
    bpe = models.BPE(
        vocab=vocab,
        merges=_spm_merges(tokens, scores),
        unk_token=tokens[unk],
        byte_fallback=True,
        fuse_unk=True,
    )
    tok = Tokenizer(bpe)
    prefix = bool(_field(fields, "tokenizer.ggml.add_space_prefix", False))
    norms = [normalizers.Prepend("▁")] if prefix else []
    tok.normalizer = normalizers.Sequence([*norms, normalizers.Replace(" ", "▁")])
    strip = [decoders.Strip(" ", 1, 0)] if prefix else []
    tok.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), *strip]
    )
    return tok


def build_tokenizer(fields: dict[str, Any]) -> tuple[Tokenizer, dict[str, Any]]:
    """Return (tokenizer, tokenizer_config dict) rebuilt from GGUF metadata ``fields``."""
    tokens = [str(t) for t in _field(fields, "tokenizer.ggml.tokens")]
    kind = _field(fields, "tokenizer.ggml.model", "gpt2")
    tok = _bpe_tokenizer(fields, tokens) if kind == "gpt2" else _spm_tokenizer(fields, tokens)
    types = list(_field(fields, "tokenizer.ggml.token_type", [1] * len(tokens)))
    special = [
        AddedToken(t, special=(ty == _CONTROL), normalized=False)
        for t, ty in zip(tokens, types, strict=False)
        if ty in (_CONTROL, _USER)
    ]
    tok.add_tokens(special)

    def name(key: str) -> str | None:
        idx = _field(fields, f"tokenizer.ggml.{key}_token_id")
        return tokens[int(idx)] if idx is not None and int(idx) < len(tokens) else None

    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": name("bos"),
        "eos_token": name("eos"),
        "unk_token": name("unknown"),
        "pad_token": name("padding") or name("eos"),
        "add_bos_token": bool(_field(fields, "tokenizer.ggml.add_bos_token", False)),
        "add_eos_token": False,
        "chat_template": _field(fields, "tokenizer.chat_template"),
        "model_max_length": 1 << 30,
        "clean_up_tokenization_spaces": False,
    }
    if config["add_bos_token"] and config["bos_token"]:
        bos = config["bos_token"]
        from tokenizers import processors

        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tokens.index(bos))]
        )
    return tok, {k: v for k, v in config.items() if v is not None}


def save_tokenizer(fields: dict[str, Any], out: Path) -> dict[str, Any]:
    """Write tokenizer.json and tokenizer_config.json into ``out``; return the config written."""
    tok, config = build_tokenizer(fields)
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    return config
