// One signed-gradient or normalised-gradient attack step on [n, d] inputs, in place on X:
//   l-inf (NORM = 0): X <- X + alpha * sign(G)
//   l2    (NORM = 1): X <- X + alpha * G / max(||G_i||, tiny), per-sample norms from GNORM2 (squared)
// then, if PROJECT, onto the eps-ball around X0 (l-inf: clamp; l2: scale delta by the factor
// precomputed in the second pass, see attack_project_l2.wgsl), and always into [0, 1]. Each
// invocation updates 4 elements as one vec4 (software adapters pay per access); in the last vec4,
// elements at n·d and past keep their values.

override NORM: u32 = 0u;

const NORM_LINF = 0u; // the NORM codes the op reads (Norm, src/ops/attack_step.ts)
const NORM_L2 = 1u;
override PROJECT: bool = true;

struct Params { n: u32, d: u32, rowStride: u32, alpha: f32, eps: f32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> X0: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> GNORM2: array<f32>;
@group(0) @binding(3) var<storage, read_write> X: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  let total = p.n * p.d;
  if (4u * i >= total) { return; }
  let element = 4u * i + vec4<u32>(0u, 1u, 2u, 3u);
  let inside = element < vec4<u32>(total);
  let old = X[i];
  var x = old;
  if (NORM == NORM_LINF) {
    x = x + p.alpha * sign(G[i]);
    if (PROJECT) {
      let x0 = X0[i];
      x = clamp(x, x0 - p.eps, x0 + p.eps);
    }
  } else {
    let sample = min(element / p.d, vec4<u32>(p.n - 1u));
    let norm = sqrt(vec4<f32>(GNORM2[sample.x], GNORM2[sample.y], GNORM2[sample.z], GNORM2[sample.w]));
    x = x + p.alpha * G[i] / max(norm, vec4<f32>(1e-12));
  }
  X[i] = select(old, clamp(x, vec4<f32>(0.0), vec4<f32>(1.0)), inside);
}
