// Statistics of one row of logits for a numerically stable softmax: the row max, its first
// arg-max and Σ exp(x − max). Reads the including shader's `Logits` storage buffer (WGSL
// functions cannot take storage pointers portably), row-major [n, classes].

struct RowStats { max: f32, argmax: u32, sumExp: f32 }

fn rowStats(base: u32, classes: u32) -> RowStats {
  var m = Logits[base];
  var best = 0u;
  for (var c = 1u; c < classes; c = c + 1u) {
    let x = Logits[base + c];
    if (x > m) { m = x; best = c; }
  }
  var s = 0.0;
  for (var c = 0u; c < classes; c = c + 1u) { s = s + exp(Logits[base + c] - m); }
  return RowStats(m, best, s);
}
