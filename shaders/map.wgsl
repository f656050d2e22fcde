// Elementwise unary map Y[i] = f(X[i]), f chosen by the OP override (codes in src/ops/map.ts).
// 1-D work laid out on a 2-D grid of 64-thread workgroups so large tensors stay within the
// per-dimension dispatch limit: i = gid.x + gid.y * rowStride.

override OP: u32 = 0u;

struct Params { n: u32, rowStride: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

fn apply(x: f32) -> f32 {
  switch OP {
    case 0u: { return p.alpha * x + p.beta; }            // affine
    case 1u: { return max(x, 0.0); }                     // relu
    case 2u: { return exp(x); }                          // exp
    case 3u: { return log(x); }                          // log
    case 4u: { return tanh(x); }                         // tanh
    case 5u: { return abs(x); }                          // abs
    case 6u: { return x * x; }                           // square
    case 7u: { return sqrt(x); }                         // sqrt
    case 8u: { return 1.0 / (1.0 + exp(-x)); }           // sigmoid
    case 9u: { return sign(x); }                         // sign
    case 10u: { return clamp(x, p.alpha, p.beta); }      // clamp to [alpha, beta]
    case 11u: { return p.alpha / x; }                    // reciprocal, scaled by alpha
    default: { return x; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) { return; }
  Y[i] = apply(X[i]);
}
