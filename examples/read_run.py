"""Reads an ntk-at run directory from Python: checkpoint.safetensors (model and optimizer tensors)
and log.jsonl (one JSON record per line). The safetensors header is parsed by hand (json + struct),
so only the standard library is needed; numpy, if installed, turns tensors into arrays.

    python3 read_run.py runs/example-node
"""

import json
import struct
import sys
from pathlib import Path

DTYPES = {"F32": ("f", 4), "F64": ("d", 8), "I32": ("i", 4), "I64": ("q", 8), "U8": ("B", 1)}


def read_safetensors(path):
    """Returns (tensors, metadata): tensors maps a name to (dtype, shape, flat list of values)."""
    data = Path(path).read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])  # little-endian u64: length of the JSON header
    header = json.loads(data[8 : 8 + header_size])
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_size :]
    tensors = {}
    for name, info in header.items():
        code, size = DTYPES[info["dtype"]]
        start, end = info["data_offsets"]  # byte range within the body
        values = struct.unpack(f"<{(end - start) // size}{code}", body[start:end])
        tensors[name] = (info["dtype"], info["shape"], values)
    return tensors, metadata


def main(run_dir):
    tensors, metadata = read_safetensors(run_dir / "checkpoint.safetensors")
    print(f"checkpoint: format {metadata.get('format')}, epoch {metadata.get('epoch')}, step {metadata.get('step')}")
    for name, (dtype, shape, values) in tensors.items():
        if name.startswith("model."):  # "optim.*" tensors are the optimizer's momentum buffers
            norm = sum(v * v for v in values) ** 0.5
            print(f"  {name:<28} {dtype} {shape}  L2 norm {norm:.4f}")
    try:
        import numpy as np

        dtype, shape, values = next(t for n, t in tensors.items() if n.startswith("model."))
        print(f"  as numpy: {np.asarray(values, dtype=np.float32).reshape(shape).shape}")
    except ImportError:
        pass

    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    kinds = {}
    for r in records:
        kinds[r["type"]] = kinds.get(r["type"], 0) + 1
    print(f"log: {len(records)} records ({', '.join(f'{n} {k}' for k, n in kinds.items())})")
    for r in (r for r in records if r["type"] == "epoch"):
        print(f"  epoch {r['epoch'] + 1}: loss {r['trainLoss']:.3f}, train accuracy {100 * r['trainAccuracy']:.1f}%")
    evaluations = [r for r in records if r["type"] == "eval"]
    if evaluations:
        accuracy = evaluations[-1]["accuracy"]
        print("final evaluation: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in accuracy.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/example-node"))
