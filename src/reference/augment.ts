// Host oracle of the crop+flip augmentation (pure data movement, so exact without float64): the
// derivation of each sample's crop origin and flip from its Philox block, and the batch transform.
// Tests compare shaders/augment_crop_flip.wgsl with it bit for bit. Tests only.

import type { AugmentOptions } from '../ops/augment.js';

/** Sample s's crop origin (oy, ox) in the padded image and flip bit, from words[4s..4s+2]. */
export function cropFlipChoice(words: Uint32Array, s: number, options: AugmentOptions): { oy: number; ox: number; flip: boolean } {
  const positions = 2 * options.padding + 1;
  return {
    oy: Math.floor((words[4 * s] * positions) / 2 ** 32),
    ox: Math.floor((words[4 * s + 1] * positions) / 2 ** 32),
    flip: options.flip && words[4 * s + 2] >>> 31 === 1,
  };
}

/** Crop (zero padding) then flip of x [b, c, h, w], with `words` = the 4·b Philox words the op draws. */
export function augmentCropFlipReference(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  words: Uint32Array,
  options: AugmentOptions,
): Float32Array {
  const [b, c, h, w] = shape;
  const y = new Float32Array(x.length);
  for (let s = 0; s < b; s++) {
    const { oy, ox, flip } = cropFlipChoice(words, s, options);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const si = i + oy - options.padding;
          const sj = (flip ? w - 1 - j : j) + ox - options.padding;
          const inside = si >= 0 && si < h && sj >= 0 && sj < w;
          y[((s * c + ch) * h + i) * w + j] = inside ? x[((s * c + ch) * h + si) * w + sj] : 0;
        }
      }
    }
  }
  return y;
}
