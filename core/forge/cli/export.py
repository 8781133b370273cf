"""``forge export``: the base model with a run's trained adapter, as a GGUF and/or MLX folder.

The GGUF works in llama.cpp, ollama and LM Studio; the MLX folder in mlx-lm (docs/models.md,
"Export"). Neither needs the llama.cpp engine installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from forge.cli.progress import model_progress
from forge.errors import UsageError

QUANTS = ("q8_0", "f16", "f32")


def find_adapter(source: Path, model: str | None) -> tuple[Path, str]:
    """Return (adapter folder, base model spec) for a run folder or an adapter folder."""
    from forge.export.adapter import read_adapter
    from forge.runs import read_config

    if (source / "config.yaml").is_file() and (source / "forge.db").is_file():
        adapter = source / "adapter"
        if not (adapter / "adapters.safetensors").is_file():
            raise UsageError(
                f"Run '{source}' has no trained adapter yet.",
                "Export after its TRAIN phase has finished (forge run ... --resume).",
            )
        base = model or read_config(source).model.name
    elif (source / "adapter_config.json").is_file():
        adapter = source
        meta = json.loads((source / "adapter_config.json").read_text()).get("forge", {})
        base = model or meta.get("base")
        if not base:
            raise UsageError(f"Adapter '{source}' does not name its base model.", "Add --model.")
    else:
        raise UsageError(
            f"'{source}' is neither a forge run folder nor an adapter folder.",
            "Pass runs/<id>/ or the adapter/ folder inside it.",
        )
    read_adapter(adapter)  # a one-line error now rather than after a long export
    return adapter, base


@click.command("export")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--gguf",
    "gguf_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write one GGUF file (llama.cpp, ollama, LM Studio).",
)
@click.option(
    "--quant",
    default="q8_0",
    show_default=True,
    metavar="TYPE",
    help="GGUF weight type: q8_0, f16 or f32.",
)
@click.option(
    "--mlx",
    "mlx_out",
    type=click.Path(file_okay=True, path_type=Path),
    default=None,
    help="Write an mlx-lm model folder (float16).",
)
@click.option("--model", default=None, help="Base model (default: the run's or adapter's own).")
def export_cmd(
    source: Path, gguf_out: Path | None, quant: str, mlx_out: Path | None, model: str | None
) -> None:
    """Export SOURCE (a run folder or adapter folder) fused with its base model."""
    if gguf_out is None and mlx_out is None:
        raise UsageError("Nothing to export.", "Add --gguf OUT.gguf and/or --mlx OUT_DIR.")
    if quant not in QUANTS:
        raise UsageError(f"Unknown --quant '{quant}'.", f"Use one of: {', '.join(QUANTS)}.")
    if not source.is_dir():
        raise UsageError(f"'{source}' is not a folder.", "Pass runs/<id>/ or an adapter folder.")
    adapter, base = find_adapter(source, model)
    if gguf_out is not None:
        _export_gguf(adapter, base, gguf_out, quant)
    if mlx_out is not None:
        _export_mlx(adapter, base, mlx_out)


def _export_gguf(adapter: Path, base: str, out: Path, quant: str) -> None:
    from forge.export.adapter import read_adapter
    from forge.export.gguf_out import write_fused
    from forge.llamacpp.source import locate

    gguf, ident = locate(base, model_progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = f"{ident.get('name', gguf.stem)} + forge adapter"
    write_fused(gguf, read_adapter(adapter), out, quant, name=name, progress=model_progress)
    click.echo(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB, {quant}); try: llama-cli -m {out}")


def _export_mlx(adapter: Path, base: str, out: Path) -> None:
    from forge.export.mlx_out import write_mlx
    from forge.model.resolve import resolve

    folder, ident = resolve(base, model_progress)
    meta = {**ident, "name": out.name, "base": ident.get("name"), "adapter": str(adapter.resolve())}
    write_mlx(folder, adapter, out, meta)
    click.echo(f"wrote {out} (mlx-lm folder); try: mlx_lm.generate --model {out} --prompt hi")


COMMANDS = [export_cmd]
