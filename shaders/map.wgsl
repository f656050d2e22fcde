// Elementwise unary map Y[i] = f(X[i]), f chosen by the OP override. The OP_* constants
// are the op table: codegen emits them as MAP_OPS (src/ops/map.ts), each must be a case below.
// Each invocation maps 4 elements as one vec4 (a quarter of the loads and stores: software adapters
// pay per access); in the last vec4, elements at n and past are written 0. 1-D work on a 2-D grid
// of 64-thread workgroups so large tensors stay within the per-dimension dispatch limit:
// i = gid.x + gid.y * rowStride.

override OP: u32 = 0u;

const OP_AFFINE = 0u;     // alpha * x + beta
const OP_RELU = 1u;
const OP_EXP = 2u;
const OP_LOG = 3u;
const OP_TANH = 4u;
const OP_ABS = 5u;
const OP_SQUARE = 6u;
const OP_SQRT = 7u;
const OP_SIGMOID = 8u;
const OP_SIGN = 9u;
const OP_CLAMP = 10u;     // clamp(x, alpha, beta)
const OP_RECIPROCAL = 11u; // alpha / x

struct Params { n: u32, rowStride: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<storage, read> X: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> Y: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> p: Params;

fn apply(x: vec4<f32>) -> vec4<f32> {
  switch OP {
    case OP_AFFINE: { return p.alpha * x + p.beta; }
    case OP_RELU: { return max(x, vec4<f32>(0.0)); }
    case OP_EXP: { return exp(x); }
    case OP_LOG: { return log(x); }
    case OP_TANH: { return tanh(x); }
    case OP_ABS: { return abs(x); }
    case OP_SQUARE: { return x * x; }
    case OP_SQRT: { return sqrt(x); }
    case OP_SIGMOID: { return 1.0 / (1.0 + exp(-x)); }
    case OP_SIGN: { return sign(x); }
    case OP_CLAMP: { return clamp(x, vec4<f32>(p.alpha), vec4<f32>(p.beta)); }
    case OP_RECIPROCAL: { return p.alpha / x; }
    default: { return x; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.rowStride;
  if (4u * i >= p.n) { return; }
  let inside = 4u * i + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(p.n);
  Y[i] = select(vec4<f32>(0.0), apply(X[i]), inside);
}
