// Margin-type attack losses (to be MAXIMISED), one thread per row r of Logits [n, C] with class
// index LABELS[r] and, for the targeted kinds, target class TARGETS[r] (both stored as f32):
//   L = (z_a − z_y) / D,  a = first arg-max over classes ≠ y (untargeted) or the target t,
//   LOSS 0 CW margin: D = 1;              LOSS 1 DLR (Croce & Hein 2020): D = max(z_π1 − z_π3, 1e-12);
//   LOSS 2 targeted CW: D = 1;            LOSS 3 targeted DLR: D = max(z_π1 − (z_π3 + z_π4)/2, 1e-12);
// (the paper adds 1e-12; a floor is the same except at exact ties, where compilers may fold a sum away)
// π1 ≥ π2 ≥ ... the classes by decreasing logit (ties: the lower index first). LOSSES[r] = L,
// CORRECT[r] = 1 when the first arg-max equals y. If GRAD, DLOGITS[r, :] = scale · dL/dz:
//   dL/dz = (e_a − e_y)/D − (L/D)·dD/dz. A label (or target) that is not an integer in [0, C), or a
// target equal to the label, gives NaN (bit pattern from the host: WGSL has no NaN constant).

override LOSS: u32 = 0u;

const LOSS_CW = 0u;     // the MARGIN_LOSSES codes (src/ops/margin_loss.ts)
const LOSS_DLR = 1u;
const LOSS_CW_T = 2u;
const LOSS_DLR_T = 3u;
override GRAD: bool = true;

struct Params { n: u32, classes: u32, rowStride: u32, scale: f32, nanBits: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<storage, read> Logits: array<f32>;
@group(0) @binding(1) var<storage, read> LABELS: array<f32>;
@group(0) @binding(2) var<storage, read> TARGETS: array<f32>;
@group(0) @binding(3) var<storage, read_write> LOSSES: array<f32>;
@group(0) @binding(4) var<storage, read_write> CORRECT: array<f32>;
@group(0) @binding(5) var<storage, read_write> DLOGITS: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

fn isClass(v: f32) -> bool {
  return v >= 0.0 && v < f32(p.classes) && floor(v) == v;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x + gid.y * p.rowStride;
  if (r >= p.n) { return; }
  let base = r * p.classes;
  let targeted = LOSS == LOSS_CW_T || LOSS == LOSS_DLR_T;
  let label = LABELS[r];
  let tgt = select(0.0, TARGETS[r], targeted);
  let valid = isClass(label) && (!targeted || (isClass(tgt) && tgt != label));
  if (!valid) {
    let nan = bitcast<f32>(p.nanBits);
    LOSSES[r] = nan;
    CORRECT[r] = 0.0;
    if (GRAD) { for (var c = 0u; c < p.classes; c = c + 1u) { DLOGITS[base + c] = nan; } }
    return;
  }
  let y = u32(label);
  // The four largest logits (descending; strict > keeps the lower index first on ties) and the
  // first arg-max over the classes other than y.
  var top = array<u32, 4>(0u, 0u, 0u, 0u);
  var count = 0u;
  var other = select(0u, 1u, y == 0u);
  for (var c = 0u; c < p.classes; c = c + 1u) {
    let v = Logits[base + c];
    if (c != y && v > Logits[base + other]) { other = c; }
    var k = min(count, 4u);
    while (k > 0u && v > Logits[base + top[k - 1u]]) {
      if (k < 4u) { top[k] = top[k - 1u]; }
      k = k - 1u;
    }
    if (k < 4u) { top[k] = c; }
    count = count + 1u;
  }
  let a = select(other, u32(tgt), targeted);
  var denominator = 1.0; // LOSS_CW, LOSS_CW_T
  if (LOSS == LOSS_DLR) { denominator = max(Logits[base + top[0]] - Logits[base + top[2]], 1e-12); }
  if (LOSS == LOSS_DLR_T) { denominator = max(Logits[base + top[0]] - 0.5 * (Logits[base + top[2]] + Logits[base + top[3]]), 1e-12); }
  let loss = (Logits[base + a] - Logits[base + y]) / denominator;
  LOSSES[r] = loss;
  CORRECT[r] = select(0.0, 1.0, top[0] == y);
  if (!GRAD) { return; }
  let q = loss / denominator;
  for (var c = 0u; c < p.classes; c = c + 1u) {
    var g = (select(0.0, 1.0, c == a) - select(0.0, 1.0, c == y)) / denominator;
    if (LOSS == LOSS_DLR) { g = g - q * (select(0.0, 1.0, c == top[0]) - select(0.0, 1.0, c == top[2])); }
    if (LOSS == LOSS_DLR_T) { g = g - q * (select(0.0, 1.0, c == top[0]) - 0.5 * (select(0.0, 1.0, c == top[2]) + select(0.0, 1.0, c == top[3]))); }
    DLOGITS[base + c] = p.scale * g;
  }
}
