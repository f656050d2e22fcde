// Per-channel affine map on X viewed as [outer, C, inner] (channel axis 1, as PyTorch lays out
// dense [n, c] and conv [n, c, h, w] tensors): Y = X * Scale[c] + Shift[c]. HAS_SCALE / HAS_SHIFT
// drop either term (bias add is shift only; Normalize's backward is scale only); an unused
// binding is still bound (any read-only buffer). 1-D work on a 2-D grid of 64-thread workgroups.

override HAS_SCALE: bool = true;
override HAS_SHIFT: bool = true;

struct Params { n: u32, rowStride: u32, channels: u32, inner: u32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Scale: array<f32>;
@group(0) @binding(2) var<storage, read> Shift: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  let c = (i / p.inner) % p.channels;
  var y = X[i];
  if (HAS_SCALE) { y = y * Scale[c]; }
  if (HAS_SHIFT) { y = y + Shift[c]; }
  Y[i] = y;
}
