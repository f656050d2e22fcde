// Data augmentation on the device (shaders/augment_crop_flip.wgsl): random crop with zero padding
// and random horizontal flip of a batch, the randomness drawn from an Rng's Philox stream inside
// the shader, so the same Rng state gives the same pixels in every runtime and nothing is uploaded.

import { NtkError, check } from '../errors.js';
import { splitSeed } from '../random/philox.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of augmentCropFlip. */
export interface AugmentOptions {
  /** Zero padding on every side before the crop, in pixels (0: no crop). */
  padding: number;
  /** Flip horizontally with probability 1/2. */
  flip: boolean;
}

/** The usual CIFAR-10 augmentation: 4-pixel padding crop + horizontal flip. */
export const DEFAULT_AUGMENT: AugmentOptions = { padding: 4, flip: true };

/**
 * y = flip(crop(pad(x))) per sample, x [b, c, h, w] -> y of the same shape. Draws one Philox block
 * (4 words) per sample from `rng` (advancing it exactly as rng.words(4·b) would), whatever the
 * options; sample s uses words 4s..4s+2 (see src/reference/augment.ts for the exact rule).
 */
export function augmentCropFlip(x: Tensor, rng: Rng, options: Partial<AugmentOptions> = {}): Tensor {
  const { padding, flip } = { ...DEFAULT_AUGMENT, ...options };
  if (x.shape.length !== 4) {
    throw new NtkError('E_SHAPE_MISMATCH', `augmentCropFlip: x [${x.shape}] must be a batch [b, c, h, w].`, { shape: [...x.shape] });
  }
  const [b, c, h, w] = x.shape;
  check(
    Number.isInteger(padding) && padding >= 0 && padding < Math.min(h, w),
    `augmentCropFlip: padding must be an integer in [0, ${Math.min(h, w)}) for ${h}x${w} images, got ${padding}.`,
  );
  const gpu = x.gpu;
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (b > maxGroups) {
    throw new NtkError('E_BUFFER_TOO_LARGE', `augmentCropFlip: batch ${b} exceeds ${maxGroups} samples per call; augment in chunks.`);
  }
  const { seed, stream, position } = rng.state();
  check(position % 4 === 0, `augmentCropFlip: the Rng must sit on a Philox block boundary (position ${position}).`);
  check(position / 4 + b < 2 ** 32, 'augmentCropFlip: Rng position past 2^34 words; fork a new stream.');
  void x.buffer; // throws E_DISPOSED before anything is allocated
  rng.words(4 * b);
  const out = Tensor.empty(gpu, x.shape);
  const [seedLo, seedHi] = splitSeed(seed);
  gpu.run({
    shader: 'augment_crop_flip',
    label: `augmentCropFlip [${x.shape}] pad ${padding}${flip ? ' flip' : ''}`,
    bindings: { X: x, Y: out },
    params: { channels: c, height: h, width: w, padding, flip: flip ? 1 : 0, seedLo, seedHi, stream, block: position / 4 },
    workgroups: [Math.ceil((c * h * w) / 256), b],
  });
  return out;
}
