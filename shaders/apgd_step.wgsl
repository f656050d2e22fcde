// One APGD step (Croce & Hein 2020) on [n, d] inputs with per-sample step sizes η (STATE[s, 4]),
// momentum weight p.momentum = α and the previous iterate XOLD:
//   z = P(x + η·dir(g)),  x' = P(x + α(z − x) + (1 − α)(x − x_old)),  x_old <- x,  x <- x'
// P projects onto the eps-ball around X0 and into [0, 1]. l-inf (NORM 0): dir = sign, one pass.
// l2 (NORM 1): dir = g/(||g|| + 1e-12) with squared norms GNORM2; PHASE 0 writes z into Z (then the
// host projects it, attack_project_l2.wgsl), PHASE 1 forms x' from Z (the host projects it again).

override NORM: u32 = 0u;

const NORM_LINF = 0u; // the NORM codes the op reads (Norm, src/ops/attack_step.ts)
const NORM_L2 = 1u;
override PHASE: u32 = 0u;

const PHASE_STEP = 0u; // l2: z before projection; l-inf: the whole step
const PHASE_COMBINE = 1u; // l2: x' from the projected Z

struct Params { n: u32, d: u32, rowStride: u32, eps: f32, momentum: f32, stateStride: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> X0: array<f32>;
@group(0) @binding(2) var<storage, read> GNORM2: array<f32>;
@group(0) @binding(3) var<storage, read> STATE: array<f32>;
@group(0) @binding(4) var<storage, read_write> Z: array<f32>;
@group(0) @binding(5) var<storage, read_write> X: array<f32>;
@group(0) @binding(6) var<storage, read_write> XOLD: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;

fn ball(v: f32, i: u32) -> f32 {
  return clamp(clamp(v, X0[i] - p.eps, X0[i] + p.eps), 0.0, 1.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n * p.d) { return; }
  let s = i / p.d;
  let x = X[i];
  let a = p.momentum;
  if (NORM == NORM_LINF) {
    let z = ball(x + STATE[s * p.stateStride + 4u] * sign(G[i]), i);
    let old = XOLD[i];
    XOLD[i] = x;
    X[i] = ball(x + a * (z - x) + (1.0 - a) * (x - old), i);
    return;
  }
  if (PHASE == PHASE_STEP) {
    Z[i] = x + STATE[s * p.stateStride + 4u] * G[i] / (sqrt(GNORM2[s]) + 1e-12);
    return;
  }
  let old = XOLD[i];
  XOLD[i] = x;
  X[i] = x + a * (Z[i] - x) + (1.0 - a) * (x - old);
}
