// APGD's per-sample bookkeeping, one thread per sample s, from the loss LOSS[s] and correctness
// CORRECT[s] at the current iterate. STATE [n, 8]: 0 best loss, 1 previous loss, 2 increases since
// the last checkpoint, 3 ever misclassified, 4 step size η, 5 best loss at the last checkpoint,
// 6 η reduced at the last checkpoint, 7 unused. FLAGS[s] tells apgd_copy.wgsl what to copy:
// 1 x, g -> best; 2 x -> adversarial; 4 best -> x, g (restart from the best point); 8 best -> adversarial.
// MODE 0 init (η = p.initialStep); 1 iterate; 2 iterate + checkpoint over the last p.window steps:
// halve η when fewer than rho·window steps raised the loss, or when η was not reduced at the last
// checkpoint and the best loss has not improved since; 3 finish (never-fooled samples keep their best point).

override MODE: u32 = 1u;

const MODE_INIT = 0u; // the ApgdTrackMode codes (src/ops/apgd.ts)
const MODE_ITERATE = 1u;
const MODE_CHECKPOINT = 2u;
const MODE_FINISH = 3u;

struct Params { n: u32, window: u32, rho: f32, initialStep: f32 }

@group(0) @binding(0) var<storage, read> LOSS: array<f32>;
@group(0) @binding(1) var<storage, read> CORRECT: array<f32>;
@group(0) @binding(2) var<storage, read_write> STATE: array<f32>;
@group(0) @binding(3) var<storage, read_write> FLAGS: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= p.n) { return; }
  let b = s * 8u;
  if (MODE == MODE_FINISH) {
    FLAGS[s] = select(8u, 0u, STATE[b + 3u] > 0.0);
    return;
  }
  let loss = LOSS[s];
  let fooled = CORRECT[s] == 0.0;
  if (MODE == MODE_INIT) {
    STATE[b] = loss;
    STATE[b + 1u] = loss;
    STATE[b + 2u] = 0.0;
    STATE[b + 3u] = select(0.0, 1.0, fooled);
    STATE[b + 4u] = p.initialStep;
    STATE[b + 5u] = loss;
    STATE[b + 6u] = 1.0;
    STATE[b + 7u] = 0.0;
    FLAGS[s] = 3u;
    return;
  }
  var flags = 0u;
  if (fooled) {
    flags = flags | 2u;
    STATE[b + 3u] = 1.0;
  }
  if (loss > STATE[b]) {
    flags = flags | 1u;
    STATE[b] = loss;
  }
  if (loss > STATE[b + 1u]) { STATE[b + 2u] = STATE[b + 2u] + 1.0; }
  STATE[b + 1u] = loss;
  if (MODE == MODE_CHECKPOINT) {
    let oscillating = STATE[b + 2u] < p.rho * f32(p.window);
    let stalled = STATE[b + 6u] == 0.0 && STATE[b + 5u] >= STATE[b];
    let reduce = oscillating || stalled;
    STATE[b + 6u] = select(0.0, 1.0, reduce);
    STATE[b + 5u] = STATE[b];
    STATE[b + 2u] = 0.0;
    if (reduce) {
      STATE[b + 4u] = 0.5 * STATE[b + 4u];
      flags = flags | 4u;
    }
  }
  FLAGS[s] = flags;
}
