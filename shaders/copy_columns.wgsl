// Writes a [rows, width] block into columns [offset, offset + width) of a [rows, stride] matrix:
// Dst[r * stride + offset + k] = Src[r * width + k]. Assembles per-parameter per-sample gradients
// into Jacobian rows for the reference NTK implementation.

struct Params { rows: u32, width: u32, stride: u32, offset: u32, rowStride: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> Src: array<f32>;
@group(0) @binding(1) var<storage, read_write> Dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.rows * p.width) { return; }
  let r = i / p.width;
  let k = i % p.width;
  Dst[r * p.stride + p.offset + k] = Src[i];
}
