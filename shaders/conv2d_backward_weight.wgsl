// Conv2d weight gradient (NCHW) as an implicit GEMM over one group of samples per z slice:
// group g covers samples [g*spg, min(n, (g+1)*spg)); with k = (sample s, output pixel q) and
// the column j = (ci, ky, kx), Out[g, co, j] = Σ_k dY[s, co, q] · X[s, ci, oy*SH + ky - ph, ox*SW + kx - pw].
// spg = 1 gives per-sample gradients [n, cout, cin, kh, kw]; larger groups give partial sums
// that src/ops/conv2d.ts adds in a fixed order. M = cout, N = cin*KH*KW, K = (samples in g)*oh*ow;
// the tiled GEMM core (lib/gemm_tiled_core.wgsl) with this shader's hooks, and the same per-thread
// hoisting as conv2d.wgsl: deterministic, no atomics.
// Split under the loop budget (src/device/loop_budget.ts): workgroup z = part * groups + g sums
// k in [part*perPart, (part+1)*perPart) of group g into slab z of Out (added in part order).

override TY: u32 = 16u; // threads along M: 4, 8, 16, 32 or 64
override KH: u32 = 3u;
override KW: u32 = 3u;
override SH: u32 = 1u;
override SW: u32 = 1u;

struct Params {
  n: u32, cin: u32, h: u32, w: u32,
  cout: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, oh: u32,
  ow: u32, spg: u32, pad0: u32, perPart: u32,
  groups: u32, pad1: u32, pad2: u32, pad3: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> Out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const BK: u32 = 8u;
const TILE_ELEMS: u32 = 2048u;

// this thread's A row (an output channel) and B column (a weight tap (ci, ky, kx)), decoded once
var<private> channel: u32;
var<private> tap: u32;
var<private> columns: u32;
var<private> firstSample: u32;
var<private> tapY: i32; // ky - ph
var<private> tapX: i32; // kx - pw
var<private> xChannel: u32;
var<private> slab: u32; // this slice's rows of Out

fn mmReadA(k: u32) -> f32 {
  if (channel >= p.cout) { return 0.0; }
  let plane = p.oh * p.ow;
  return DY[((firstSample + k / plane) * p.cout + channel) * plane + k % plane];
}

fn mmReadB(k: u32) -> f32 {
  if (tap >= columns) { return 0.0; }
  let plane = p.oh * p.ow;
  let q = k % plane;
  let iy = i32((q / p.ow) * SH) + tapY;
  let ix = i32((q % p.ow) * SW) + tapX;
  if (iy >= 0 && ix >= 0 && iy < i32(p.h) && ix < i32(p.w)) {
    return X[(firstSample + k / plane) * p.cin * p.h * p.w + xChannel + u32(iy) * p.w + u32(ix)];
  }
  return 0.0;
}

fn mmWrite(row: u32, col: u32, v: f32) {
  if (row >= p.cout || col >= columns) { return; }
  Out[(slab + row) * columns + col] = v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let TM = 4u * TY;
  let TN = 4u * (256u / TY);
  let KHW = KH * KW;
  columns = p.cin * KHW;
  let plane = p.oh * p.ow;
  let s0 = (wg.z % p.groups) * p.spg; // the k bounds stay uniform (private state is not)
  firstSample = s0;
  let kBegin = (wg.z / p.groups) * p.perPart;
  let kEnd = min(min(p.spg, p.n - s0) * plane, kBegin + p.perPart);
  let rowBase = wg.y * TM;
  let colBase = wg.x * TN;
  channel = rowBase + tid % TM;
  tap = colBase + tid % TN;
  let r = tap % KHW;
  tapY = i32(r / KW) - i32(p.ph);
  tapX = i32(r % KW) - i32(p.pw);
  xChannel = (tap / KHW) * p.h * p.w;
  slab = wg.z * p.cout;
  gemmStore(tid, rowBase, colBase, gemmTile(tid, kBegin, kEnd));
}

// #include lib/gemm_tiled_core.wgsl
