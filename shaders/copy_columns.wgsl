// Writes a [rows, width] block into a wider matrix: row r of Src goes to columns [offset, offset +
// width) of Dst row (r / group)·groupStride + (r % group)·stride, i.e. Dst[that + offset + k] =
// Src[r * width + k]. With group 1 it fills columns of a [rows, stride] matrix (Jacobian rows from
// per-parameter gradients); with group > 1 (e.g. a conv layer's channels) a sample's rows keep their
// own stride inside the sample's block (the NTK interleaves each logit's per-sample pieces into
// sample x logit rows, padding pixel planes, src/ntk/kernel.ts). One invocation copies a run of RUN
// consecutive values of one row, so its index arithmetic (integer divisions run lane by lane on CPU
// adapters) is shared by RUN values.

const RUN: u32 = 16u;

struct Params {
  rows: u32, width: u32, group: u32, groupStride: u32,
  stride: u32, offset: u32, rowStride: u32, runs: u32,
  total: u32, pad0: u32, pad1: u32, pad2: u32,
}

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
  let dst = (r / p.group) * p.groupStride + (r % p.group) * p.stride + p.offset;
  for (var k = k0; k < k1; k = k + 1u) { Dst[dst + k] = Src[src + k]; }
}
