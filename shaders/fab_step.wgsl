// FAB-T's step, one workgroup per sample (the f32 twin of src/reference/fab_projection.ts): the
// linearised boundary {z : f + w·(z − x1) = 0} of f = z_y − z_t = −LOSS at x1, w = −GRAD, and the
// smallest-NORM steps d1 from x1 and d2 from x0 onto it inside [0, 1] (the step parameter lambda
// bracketed by p.sections passes that each split the bracket at 8 points, then the exact solve);
// X1 <- clip01((x1 + eta·d1)(1 − a) + (x0 + eta·d2)·a), a = min(|d1|/(|d1| + |d2|), alphaMax).
// Samples with DIST 0 (already misclassified) or a non-finite loss keep x1. 8 threads per sample
// (a workgroup barrier is cheap at one SIMD group on software adapters); every thread adds the 8
// partial sums in index order, so all hold the same bits and choose the same bracket.

override NORM: u32 = 0u;

const NORM_LINF = 0u; // the NORM codes the op reads (Norm, src/ops/attack_step.ts)
const NORM_L2 = 1u;

struct Params { n: u32, d: u32, perThread: u32, sections: u32, eta: f32, alphaMax: f32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> X0: array<f32>;
@group(0) @binding(1) var<storage, read> GRAD: array<f32>;
@group(0) @binding(2) var<storage, read> LOSS: array<f32>;
@group(0) @binding(3) var<storage, read> DIST: array<f32>;
@group(0) @binding(4) var<storage, read_write> X1: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

const WG: u32 = 8u;
var<workgroup> partials: array<vec4<f32>, 16>;

/** The workgroup's sum (isMax false) or maximum of v; every thread returns the same value. */
fn combine(v: f32, lid: u32, isMax: bool) -> f32 {
  workgroupBarrier();
  partials[lid] = vec4<f32>(v);
  workgroupBarrier();
  var s = partials[0].x;
  for (var k = 1u; k < WG; k = k + 1u) { s = select(s + partials[k].x, max(s, partials[k].x), isMax); }
  return s;
}

struct Pair { a: vec4<f32>, b: vec4<f32> }

/** The workgroup's sums of a and b (8 lanes); every thread returns the same values. */
fn sum8(a: vec4<f32>, b: vec4<f32>, lid: u32) -> Pair {
  workgroupBarrier();
  partials[lid] = a;
  partials[lid + WG] = b;
  workgroupBarrier();
  var s = Pair(partials[0], partials[WG]);
  for (var k = 1u; k < WG; k = k + 1u) {
    s.a = s.a + partials[k];
    s.b = s.b + partials[k + WG];
  }
  return s;
}

/** Coordinate terms of a projection from point P (x1 or x0) towards the plane: weight |w_k|, room to the wall, saturation key. */
struct Term { weight: f32, room: f32, key: f32 }

fn term(point: f32, g: f32, toward: f32) -> Term {
  let w = -g;
  let weight = abs(w);
  let room = select(point, 1.0 - point, toward * sign(w) > 0.0);
  let key = select(room / max(weight, 1e-38), room, NORM == NORM_LINF);
  return Term(weight, room, key);
}

/** The move of a coordinate at lambda (before its sign): min(lambda (·weight), room). */
fn moveAt(t: Term, lambda: f32) -> f32 {
  return min(select(lambda * t.weight, lambda, NORM == NORM_LINF), t.room);
}

fn pointAt(fromX0: bool, k: u32) -> f32 {
  return select(X1[k], X0[k], fromX0);
}

/** lambda (x) of the smallest step from x1 (fromX0 false) or x0 towards the plane at value f, whether the plane is within reach (y), and the step's norm (z). */
fn project(fromX0: bool, f: f32, row: u32, lid: u32) -> vec3<f32> {
  let toward = select(1.0, -1.0, f > 0.0);
  let gap = abs(f);
  var top = 0.0;
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let t = term(pointAt(fromX0, row + c), GRAD[row + c], toward);
      if (t.weight != 0.0) { top = max(top, t.key); }
    }
  }
  top = combine(top, lid, true);
  var reach = 0.0;
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let t = term(pointAt(fromX0, row + c), GRAD[row + c], toward);
      if (t.weight != 0.0) { reach = reach + t.weight * moveAt(t, top); }
    }
  }
  let reachable = combine(reach, lid, false) >= gap; // the moves at lambda = top close the gap
  var lo = 0.0;
  var hi = top;
  for (var i = 0u; i < p.sections; i = i + 1u) {
    let width = (hi - lo) / 9.0;
    let la = lo + width * vec4<f32>(1.0, 2.0, 3.0, 4.0);
    let lb = lo + width * vec4<f32>(5.0, 6.0, 7.0, 8.0);
    var ca = vec4<f32>(0.0);
    var cb = vec4<f32>(0.0);
    for (var j = 0u; j < p.perThread; j = j + 1u) {
      let c = lid + j * WG;
      if (c < p.d) {
        let t = term(pointAt(fromX0, row + c), GRAD[row + c], toward);
        if (t.weight != 0.0) {
          let scale = select(t.weight, 1.0, NORM == NORM_LINF);
          ca = ca + t.weight * min(la * scale, vec4<f32>(t.room));
          cb = cb + t.weight * min(lb * scale, vec4<f32>(t.room));
        }
      }
    }
    let closed = sum8(ca, cb, lid);
    let shortA = closed.a < vec4<f32>(gap);
    let shortB = closed.b < vec4<f32>(gap);
    // lo: the largest candidate whose moves fall short of the gap; hi: the smallest that reaches it
    lo = max(lo, max(max(select(lo, la.x, shortA.x), select(lo, la.y, shortA.y)), max(select(lo, la.z, shortA.z), select(lo, la.w, shortA.w))));
    lo = max(lo, max(max(select(lo, lb.x, shortB.x), select(lo, lb.y, shortB.y)), max(select(lo, lb.z, shortB.z), select(lo, lb.w, shortB.w))));
    hi = min(hi, min(min(select(la.x, hi, shortA.x), select(la.y, hi, shortA.y)), min(select(la.z, hi, shortA.z), select(la.w, hi, shortA.w))));
    hi = min(hi, min(min(select(lb.x, hi, shortB.x), select(lb.y, hi, shortB.y)), min(select(lb.z, hi, shortB.z), select(lb.w, hi, shortB.w))));
  }
  var saturated = 0.0;
  var slope = 0.0;
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let t = term(pointAt(fromX0, row + c), GRAD[row + c], toward);
      if (t.weight != 0.0) {
        if (t.key <= lo) { saturated = saturated + t.weight * t.room; } else { slope = slope + select(t.weight * t.weight, t.weight, NORM == NORM_LINF); }
      }
    }
  }
  let solve = sum8(vec4<f32>(saturated, slope, 0.0, 0.0), vec4<f32>(0.0), lid).a;
  saturated = solve.x;
  slope = solve.y;
  let lambda = select(hi, clamp((gap - saturated) / slope, lo, hi), slope > 0.0);
  var size = 0.0;
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) {
      let t = term(pointAt(fromX0, row + c), GRAD[row + c], toward);
      if (t.weight != 0.0) {
        let m = select(t.room, moveAt(t, lambda), reachable);
        size = select(size + m * m, max(size, m), NORM == NORM_LINF);
      }
    }
  }
  size = combine(size, lid, NORM == NORM_LINF);
  size = select(sqrt(size), size, NORM == NORM_LINF);
  return vec3<f32>(lambda, select(0.0, 1.0, reachable), select(size, 0.0, f == 0.0));
}

/** The signed move of coordinate k of the projection (lambda, reach) from x1 or x0 at value f. */
fn signedMove(fromX0: bool, f: f32, k: u32, q: vec3<f32>) -> f32 {
  let toward = select(1.0, -1.0, f > 0.0);
  let t = term(pointAt(fromX0, k), GRAD[k], toward);
  let m = select(t.room, moveAt(t, q.x), q.y > 0.0);
  return select(toward * sign(-GRAD[k]) * m, 0.0, t.weight == 0.0 || f == 0.0);
}

@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let i = wg.x;
  let lid = lid3.x;
  let row = i * p.d;
  let loss = LOSS[i];
  let skip = DIST[i] == 0.0 || (bitcast<u32>(loss) & 0x7f800000u) == 0x7f800000u;
  let f = -loss;
  var shift = 0.0; // w·(x0 − x1) with w = −grad
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d) { shift = shift + GRAD[row + c] * (X1[row + c] - X0[row + c]); }
  }
  shift = combine(shift, lid, false);
  let q1 = project(false, f, row, lid);
  let q2 = project(true, f + shift, row, lid);
  let a1 = max(q1.z, 1e-8);
  let a2 = max(q2.z, 1e-8);
  let alpha = min(max(a1 / (a1 + a2), 0.0), p.alphaMax);
  for (var j = 0u; j < p.perThread; j = j + 1u) {
    let c = lid + j * WG;
    if (c < p.d && !skip) {
      let k = row + c;
      let d1 = signedMove(false, f, k, q1);
      let d2 = signedMove(true, f + shift, k, q2);
      X1[k] = clamp((X1[k] + p.eta * d1) * (1.0 - alpha) + (X0[k] + p.eta * d2) * alpha, 0.0, 1.0);
    }
  }
}
