// Restarts keep each sample's worst case: from Logits [n, C] of candidate X [n, d] and integer
// LABELS (as f32), a sample's candidate replaces BEST when it is misclassified and the best is not,
// or when both agree on misclassification and the candidate's cross-entropy loss is higher.
// BEST_SCORE [n, 2] holds (misclassified 0/1, loss); initialise it to (-1, 0) so the first candidate wins.

struct Params { n: u32, d: u32, classes: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> Logits: array<f32>;
@group(0) @binding(1) var<storage, read> LABELS: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> BEST_SCORE: array<f32>;
@group(0) @binding(4) var<storage, read_write> BEST: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= p.n) { return; }
  let y = u32(LABELS[s]);
  let base = s * p.classes;
  let row = rowStats(base, p.classes);
  let loss = log(row.sumExp) + row.max - Logits[base + y];
  let mis = select(0.0, 1.0, row.argmax != y);
  let bestMis = BEST_SCORE[2u * s];
  let bestLoss = BEST_SCORE[2u * s + 1u];
  if (mis > bestMis || (mis == bestMis && loss > bestLoss)) {
    BEST_SCORE[2u * s] = mis;
    BEST_SCORE[2u * s + 1u] = loss;
    for (var k = 0u; k < p.d; k = k + 1u) { BEST[s * p.d + k] = X[s * p.d + k]; }
  }
}

// #include lib/softmax_row.wgsl
