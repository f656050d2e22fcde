// Target classes of a targeted attack: TARGETS[r] = the class of rank p.rank (1 = highest) among
// the classes other than the label LABELS[r], by decreasing logit of Logits [n, C] (ties: the
// lower index first). For a correctly classified row these are AutoAttack's targets: the 2nd, 3rd,
// ... most likely classes. Needs 1 <= rank < C (checked on the host). Labels/targets as f32.

struct Params { n: u32, classes: u32, rank: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> Logits: array<f32>;
@group(0) @binding(1) var<storage, read> LABELS: array<f32>;
@group(0) @binding(2) var<storage, read_write> TARGETS: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.n) { return; }
  let base = r * p.classes;
  let y = u32(LABELS[r]);
  var found = select(0u, 1u, y == 0u);
  for (var c = 0u; c < p.classes; c = c + 1u) {
    if (c == y) { continue; }
    let v = Logits[base + c];
    var rank = 1u;
    for (var j = 0u; j < p.classes; j = j + 1u) {
      let w = Logits[base + j];
      if (j != y && (w > v || (w == v && j < c))) { rank = rank + 1u; }
    }
    if (rank == p.rank) { found = c; }
  }
  TARGETS[r] = f32(found);
}
