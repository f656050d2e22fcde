// Conv2d forward (NCHW) as an implicit GEMM, no im2col buffer: with k = (ci, ky, kx) and the
// column j = (sample s, output pixel p), Y[s, co, p] = bias[co] + Σ_k W[co, k] · Xcol[k, j],
// where Xcol[k, j] = X[s, ci, oy*SH + ky - ph, ox*SW + kx - pw] (0 in the padding).
// M = cout, K = cin*KH*KW, N = n*oh*ow, on the tiled GEMM core (lib/gemm_tiled_core.wgsl: a TM x TN
// tile per workgroup, k ascending, deterministic, no atomics) with this shader's load and store
// hooks. Each thread loads one fixed tile column: its pixel is decoded once, outside the k loop,
// and the kernel size and stride are override constants (divisions by them are cheap).
// Split-K under the loop budget (src/device/loop_budget.ts): workgroup z = part sums k in
// [part*perPart, min(K, (part+1)*perPart)) into its own [n, cout, oh, ow] slab of Y (part 0 adds
// the bias); src/ops/conv2d.ts adds the slabs in part order. RELU (set by the host only without
// split-K, where the stored value is final) stores max(y, 0).

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override HAS_BIAS: bool = false;
override RELU: bool = false;
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, pad0: u32, pad1: u32, perPart: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const BK: u32 = 8u;
const TILE_ELEMS: u32 = 2048u;

// this thread's A row (a weight row) and B column (an output pixel), decoded once
var<private> wRow: u32;
var<private> kTotal: u32;
var<private> pixel: u32;
var<private> columns: u32;
var<private> iy0: i32;
var<private> ix0: i32;
var<private> xSample: u32;
var<private> slab: u32; // this part's slab of Y
var<private> firstPart: bool;

fn mmReadA(k: u32) -> f32 {
  if (wRow >= p.cout) { return 0.0; }
  return W[wRow * kTotal + k];
}

fn mmReadB(k: u32) -> f32 {
  if (pixel >= columns) { return 0.0; }
  let ci = k / (KH * KW);
  let r = k % (KH * KW);
  let iy = iy0 + i32(r / KW);
  let ix = ix0 + i32(r % KW);
  if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
    return X[xSample + (ci * p.h + u32(iy)) * p.w + u32(ix)];
  }
  return 0.0;
}

fn mmWrite(row: u32, col: u32, v: f32) {
  if (row >= p.cout || col >= columns) { return; }
  var bias = 0.0;
  if (HAS_BIAS && firstPart) { bias = Bias[row]; }
  let plane = p.oh * p.ow;
  var y = v + bias;
  if (RELU) { y = max(y, 0.0); }
  Y[slab + ((col / plane) * p.cout + row) * plane + col % plane] = y;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TM = 4u * TY;
  let TN = 4u * (256u / TY);
  let K = p.cin * KH * KW; // the k bounds stay uniform (private state is not)
  kTotal = K;
  let plane = p.oh * p.ow;
  columns = p.n * plane;
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  wRow = rowBase + tid % TM;
  pixel = colBase + tid % TN;
  let q = pixel % plane;
  iy0 = i32((q / p.ow) * SH) - i32(p.ph);
  ix0 = i32((q % p.ow) * SW) - i32(p.pw);
  xSample = (pixel / plane) * p.cin * p.h * p.w;
  slab = wg.z * p.cout * columns;
  firstPart = wg.z == 0u;
  let kBegin = wg.z * p.perPart;
  gemmStore(tid, rowBase, colBase, gemmTile(tid, kBegin, min(K, kBegin + p.perPart)));
}

// #include lib/gemm_tiled_core.wgsl
