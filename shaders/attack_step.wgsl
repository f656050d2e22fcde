// One signed-gradient or normalised-gradient attack step on [n, d] inputs, in place on X:
//   l-inf (NORM = 0): X <- X + alpha * sign(G)
//   l2    (NORM = 1): X <- X + alpha * G / max(||G_i||, tiny), per-sample norms from GNORM2 (squared)
// then, if PROJECT, onto the eps-ball around X0 (l-inf: clamp; l2: scale delta by the factor
// precomputed in the second pass, see attack_project_l2.wgsl), and always into [0, 1].

override NORM: u32 = 0u;

const NORM_LINF = 0u; // the NORM codes the op reads (Norm, src/ops/attack_step.ts)
const NORM_L2 = 1u;
override PROJECT: bool = true;

struct Params { n: u32, d: u32, rowStride: u32, alpha: f32, eps: f32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> X0: array<f32>;
@group(0) @binding(2) var<storage, read> GNORM2: array<f32>;
@group(0) @binding(3) var<storage, read_write> X: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n * p.d) { return; }
  var x = X[i];
  if (NORM == NORM_LINF) {
    x = x + p.alpha * sign(G[i]);
    if (PROJECT) { x = clamp(x, X0[i] - p.eps, X0[i] + p.eps); }
  } else {
    let norm = sqrt(GNORM2[i / p.d]);
    x = x + p.alpha * G[i] / max(norm, 1e-12);
  }
  X[i] = clamp(x, 0.0, 1.0);
}
