// BatchNorm running-buffer update from one batch's statistics (Stats from batchnorm_stats.wgsl),
// in one workgroup so the step counter is read by every channel before thread 0 increments it.
// With t = Count + 1 (batches seen, including this one) and f the weight of the new batch:
//   AVERAGE 0 (EMA): f = momentum;  AVERAGE 1 (cumulative): f = 1/t (running = mean of all batches).
//   The stored variance is var·m/(m-1) (UNBIASED, m = n*L values per channel) or var (biased).
//   DEBIAS false: running = (1-f)·running + f·stat.
//   DEBIAS true (EMA only): Acc = (1-f)·Acc + f·stat with Acc starting at 0 (Acc[c] mean, Acc[C+c]
//   variance), running = Acc / (1 - (1-f)^t), the zero-debiased estimate.

override AVERAGE: u32 = 0u;

const AVERAGE_EMA = 0u; // the BN_AVERAGES codes (src/ops/batchnorm.ts)
const AVERAGE_CUMULATIVE = 1u;
override UNBIASED: bool = true;
override DEBIAS: bool = false;

struct Params { C: u32, m: u32, momentum: f32, pad: u32 }

@group(0) @binding(0) var<storage, read> Stats: array<f32>;
@group(0) @binding(1) var<storage, read_write> RunMean: array<f32>;
@group(0) @binding(2) var<storage, read_write> RunVar: array<f32>;
@group(0) @binding(3) var<storage, read_write> Acc: array<f32>;
@group(0) @binding(4) var<storage, read_write> Count: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) tid: u32) {
  let t = Count[0] + 1.0;
  var f = p.momentum;
  if (AVERAGE == AVERAGE_CUMULATIVE) { f = 1.0 / t; }
  var correction = 1.0;
  if (UNBIASED) { correction = f32(p.m) / f32(p.m - 1u); }
  for (var c = tid; c < p.C; c = c + 256u) {
    let mean = Stats[c];
    let variance = Stats[2u * p.C + c] * correction;
    if (DEBIAS) {
      let accMean = (1.0 - f) * Acc[c] + f * mean;
      let accVar = (1.0 - f) * Acc[p.C + c] + f * variance;
      Acc[c] = accMean;
      Acc[p.C + c] = accVar;
      let debias = 1.0 - pow(1.0 - f, t);
      RunMean[c] = accMean / debias;
      RunVar[c] = accVar / debias;
    } else {
      RunMean[c] = (1.0 - f) * RunMean[c] + f * mean;
      RunVar[c] = (1.0 - f) * RunVar[c] + f * variance;
    }
  }
  workgroupBarrier();
  if (tid == 0u) { Count[0] = t; }
}
