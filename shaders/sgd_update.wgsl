// In-place SGD step for one parameter tensor (PyTorch's torch.optim.SGD with dampening 0):
//   g = G * Clip[0] + weightDecay * W;  v = momentum * V + g (V updated);
//   d = g + momentum * v (NESTEROV) or v (MOMENTUM) or g;  W = W - lr * d.
// Clip[0] is the gradient-clipping scale computed on the device (1 when not clipping), so no
// readback is needed. V is bound but unused without MOMENTUM. Each invocation updates 4 elements
// as one vec4 (a quarter of the loads and stores: software adapters pay per access); in the last
// vec4, elements at n and past keep their values. 2-D grid of 64-thread workgroups.

override MOMENTUM: bool = false;
override NESTEROV: bool = false;

struct Params { n: u32, rowStride: u32, lr: f32, momentum: f32, weightDecay: f32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> Clip: array<f32>;
@group(0) @binding(2) var<storage, read_write> W: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> V: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (4u * i >= p.n) { return; }
  let inside = 4u * i + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(p.n);
  let w = W[i];
  let g = G[i] * Clip[0] + p.weightDecay * w;
  var d = g;
  if (MOMENTUM) {
    let v0 = V[i];
    let v = p.momentum * v0 + g;
    V[i] = select(v0, v, inside);
    d = v;
    if (NESTEROV) { d = g + p.momentum * v; }
  }
  W[i] = select(w, w - p.lr * d, inside);
}
