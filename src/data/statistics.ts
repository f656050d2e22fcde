// Per-channel pixel statistics of a data set, in [0, 1] pixel units: the constants of a model's
// Normalize first layer (normalization lives inside the model, so eps keeps its pixel meaning).

import type { ImageDataset } from './dataset.js';

/** Mean and (population) standard deviation of each channel over all images and pixels, float64. */
export function channelStatistics(dataset: ImageDataset): { mean: number[]; std: number[] } {
  const [channels, h, w] = dataset.shape;
  const plane = h * w;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < dataset.length; i++) {
    const image = dataset.image(i);
    for (let c = 0; c < channels; c++) {
      let s = 0;
      let q = 0;
      for (let k = c * plane; k < (c + 1) * plane; k++) {
        s += image[k];
        q += image[k] * image[k];
      }
      sums[c] += s;
      squares[c] += q;
    }
  }
  const count = dataset.length * plane;
  const mean = Array.from(sums, (s) => s / count / 255);
  const std = Array.from(squares, (q, c) => Math.sqrt(Math.max(0, q / count / 255 ** 2 - mean[c] ** 2)));
  return { mean, std };
}
