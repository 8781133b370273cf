"""Export without llama.cpp: the LoRA GGUF and fused GGUF hold the adapter's exact change,
the MLX export answers like the MLX engine with the adapter, and the CLI's errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q
from gguf import GGUFReader
from gguf.quants import dequantize

import forge.model as fm
from forge.cli.main import main
from forge.export.adapter import permute_rows, read_adapter
from forge.export.gguf_out import write_fused, write_lora

from ..model.lora_helpers import random_adapter
from ..model.tiny import write_tiny_gguf

GREEDY = fm.SamplingParams(temperature=0.0, max_tokens=10)
PROMPT = [{"role": "user", "content": "def add(a, b):"}]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """A tiny Q8_0 llama GGUF, its mlx-lm folder and a random adapter for it."""
    from forge.model.gguf_convert import convert_gguf

    d = tmp_path_factory.mktemp("export")
    gguf = write_tiny_gguf(d / "tiny.gguf", "llama", seed=1)
    folder = convert_gguf(gguf, d / "tiny", {"name": "tiny", "source": f"gguf:{gguf}"})
    adapter = random_adapter(fm.load(str(folder)), d / "adapter", base=str(gguf))
    return {"gguf": gguf, "folder": folder, "adapter": adapter}


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    """Run ``forge ARGV`` in-process; return (exit code, stdout + stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out + out.err


def _tensors(path: Path) -> dict[str, np.ndarray]:
    out = {}
    for t in GGUFReader(str(path)).tensors:
        w = np.asarray(dequantize(np.asarray(t.data), t.tensor_type), dtype=np.float32)
        out[t.name] = w.reshape([int(s) for s in reversed(t.shape)])
    return out


def _mlx_delta(adapter: Path, module: str) -> np.ndarray:
    ad = read_adapter(adapter)
    pair = next(p for p in ad.pairs if p.gguf_name == module)
    return pair.delta(ad.scale)


def test_lora_gguf_reproduces_mlx_lm_scale_and_llama_row_order(tiny, tmp_path) -> None:
    out = write_lora(read_adapter(tiny["adapter"]), tiny["gguf"], tmp_path / "lora.gguf")
    reader = GGUFReader(str(out))
    assert reader.fields["general.type"].contents() == "adapter"
    alpha = float(reader.fields["adapter.lora.alpha"].contents())
    t = _tensors(out)
    for name, heads in (("blk.1.attn_q.weight", 4), ("blk.1.attn_k.weight", 2)):
        a, b = t[f"{name}.lora_a"], t[f"{name}.lora_b"]
        rank = a.shape[0]
        got = alpha / rank * b @ a  # llama.cpp's scale: alpha / rank
        assert np.allclose(got, permute_rows(_mlx_delta(tiny["adapter"], name), heads), atol=1e-6)
    v = "blk.0.attn_v.weight"  # not permuted
    got = alpha / t[f"{v}.lora_a"].shape[0] * t[f"{v}.lora_b"] @ t[f"{v}.lora_a"]
    assert np.allclose(got, _mlx_delta(tiny["adapter"], v), atol=1e-6)


def test_fused_gguf_holds_base_plus_delta_and_the_metadata(tiny, tmp_path) -> None:
    base = _tensors(tiny["gguf"])
    out = write_fused(tiny["gguf"], read_adapter(tiny["adapter"]), tmp_path / "f.gguf", "f32", "x")
    fused = _tensors(out)
    q = "blk.0.attn_q.weight"
    expected = base[q] + permute_rows(_mlx_delta(tiny["adapter"], q), 4)
    assert np.allclose(fused[q], expected, atol=1e-6)
    assert np.array_equal(fused["blk.0.attn_norm.weight"], base["blk.0.attn_norm.weight"])
    src, dst = GGUFReader(str(tiny["gguf"])), GGUFReader(str(out))
    assert dst.fields["general.name"].contents() == "x"
    for key in ("tokenizer.ggml.tokens", "tokenizer.chat_template", "llama.block_count"):
        assert dst.fields[key].contents() == src.fields[key].contents()
    q8 = _tensors(write_fused(tiny["gguf"], read_adapter(tiny["adapter"]), tmp_path / "q.gguf"))
    assert {
        t.tensor_type for t in GGUFReader(str(tmp_path / "q.gguf")).tensors if len(t.shape) == 2
    } == {Q.Q8_0}
    assert np.abs(q8[q] - expected).max() < 0.01 * np.abs(expected).max()


def test_mlx_export_answers_like_the_mlx_engine_with_the_adapter(tiny, tmp_path, capsys) -> None:
    import mlx.core as mx
    from mlx_lm import load

    out = tmp_path / "mlx"
    code, output = run_cli(capsys, "export", str(tiny["adapter"]), "--mlx", str(out))
    assert code == 0, output
    with_adapter = fm.load(str(tiny["folder"]), adapter=tiny["adapter"])
    exported = fm.load(str(out))
    tokens = with_adapter.encode_chat(PROMPT)
    want = np.array(with_adapter.model(mx.array(tokens)[None]))
    got = np.array(exported.model(mx.array(tokens)[None]))
    assert np.abs(got - want).max() < 0.01 * np.abs(want).max()  # float16 storage
    assert exported.generate([PROMPT], params=GREEDY) == with_adapter.generate(
        [PROMPT], params=GREEDY
    )
    model, tokenizer = load(str(out))  # stock mlx-lm opens it too
    assert tokenizer.encode("def add") == with_adapter.tokenizer.encode("def add")


def test_cli_errors_are_one_line(tiny, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("model:\n  name: smollm2-135m\n")
    (run / "forge.db").write_bytes(b"")
    cases = [
        ([str(run), "--gguf", "x.gguf"], "no trained adapter yet"),
        ([str(tmp_path), "--gguf", "x.gguf"], "neither a forge run folder"),
        ([str(tiny["adapter"]), "--gguf", "x.gguf", "--quant", "q4"], "Unknown --quant"),
        ([str(tiny["adapter"])], "Nothing to export"),
    ]
    for args, message in cases:
        code, output = run_cli(capsys, "export", *args)
        assert code != 0 and message in output, output
        assert len(output.strip().splitlines()) == 1, output
    bad = tmp_path / "bad-adapter"
    bad.mkdir()
    (bad / "adapter_config.json").write_text(json.dumps({"forge": {"base": "smollm2-135m"}}))
    code, output = run_cli(capsys, "export", str(bad), "--gguf", "x.gguf")
    assert code != 0 and "no trained adapter" in output


def test_a_run_folder_exports_its_adapter_on_its_model(tiny, tmp_path, capsys) -> None:
    import shutil

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(f"model:\n  name: {tiny['gguf']}\n")
    (run / "forge.db").write_bytes(b"")
    shutil.copytree(tiny["adapter"], run / "adapter")
    out = tmp_path / "from-run.gguf"
    code, output = run_cli(capsys, "export", str(run), "--gguf", str(out), "--quant", "f32")
    assert code == 0 and "f32" in output, output
    direct = write_fused(tiny["gguf"], read_adapter(tiny["adapter"]), tmp_path / "d.gguf", "f32")
    assert _tensors(out).keys() == _tensors(direct).keys()
    q = "blk.1.attn_k.weight"
    assert np.array_equal(_tensors(out)[q], _tensors(direct)[q])
