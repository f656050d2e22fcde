// Writes a [rows, width] block into columns [offset, offset + width) of a [rows, stride] matrix:
// Dst[r * stride + offset + k] = Src[r * width + k]. Assembles per-parameter per-sample gradients
// into Jacobian rows, and interleaves each logit's per-sample pieces into sample x logit rows (the
// NTK, src/ntk/kernel.ts). One invocation copies a run of RUN consecutive values of one row, so
// its index arithmetic (integer divisions run lane by lane on CPU adapters) is shared by RUN values.

const RUN: u32 = 16u;

struct Params { rows: u32, width: u32, stride: u32, offset: u32, rowStride: u32, runs: u32, total: u32, pad0: u32 }

@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read_write> Dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.total) { return; }
  let r = i / p.runs;
  let k0 = (i % p.runs) * RUN;
  let k1 = min(p.width, k0 + RUN);
  let src = r * p.width;
  let dst = r * p.stride + p.offset;
  for (var k = k0; k < k1; k = k + 1u) { Dst[dst + k] = Src[src + k]; }
}
