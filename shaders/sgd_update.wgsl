// Multi-tensor SGD step (PyTorch's torch.optim.SGD with dampening 0) over up to SLOTS = 3 parameter
// tensors in one dispatch: tensor s has its weights W{s} and gradient G{s} bound in its own slot and
// its velocity in the flat arena V at voff[s]. For element j of tensor s:
//   g = G[j] * Clip[0] + decay[s] * W[j];  v = momentum * V[voff + j] + g (V updated);
//   d = g + momentum * v (NESTEROV) or v (MOMENTUM) or g;  W[j] = W[j] - lr * d.
// Invocation i (2-D grid of 64-thread workgroups) is element i of the tensors laid end to end:
// tensor s holds i in [start[s], end[s]); slots past the last tensor are empty (start = end).
// Clip[0] is the device-side clipping scale (1 when not clipping); V is unused without MOMENTUM.
// 2 + 2 * SLOTS = 8 storage bindings: WebGPU's guaranteed maxStorageBuffersPerShaderStage.

override MOMENTUM: bool = false;
override NESTEROV: bool = false;

struct Params { start: vec4<u32>, end: vec4<u32>, voff: vec4<u32>, decay: vec4<f32>, rowStride: u32, lr: f32, momentum: f32, pad: u32 }

@group(0) @binding(0) var<storage, read> Clip: array<f32>;
@group(0) @binding(1) var<storage, read_write> V: array<f32>;
@group(0) @binding(2) var<storage, read_write> W0: array<f32>;
@group(0) @binding(3) var<storage, read> G0: array<f32>;
@group(0) @binding(4) var<storage, read_write> W1: array<f32>;
@group(0) @binding(5) var<storage, read> G1: array<f32>;
@group(0) @binding(6) var<storage, read_write> W2: array<f32>;
@group(0) @binding(7) var<storage, read> G2: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.end[2]) { return; }
  let s = select(select(2u, 1u, i < p.end[1]), 0u, i < p.end[0]);
  let j = i - p.start[s];
  var w: f32;
  var grad: f32;
  switch s {
    case 0u: { w = W0[j]; grad = G0[j]; }
    case 1u: { w = W1[j]; grad = G1[j]; }
    default: { w = W2[j]; grad = G2[j]; }
  }
  let g = grad * Clip[0] + p.decay[s] * w;
  var d = g;
  if (MOMENTUM) {
    let k = p.voff[s] + j;
    let v = p.momentum * V[k] + g;
    V[k] = v;
    d = v;
    if (NESTEROV) { d = g + p.momentum * v; }
  }
  let updated = w - p.lr * d;
  switch s {
    case 0u: { W0[j] = updated; }
    case 1u: { W1[j] = updated; }
    default: { W2[j] = updated; }
  }
}
