// Synthetic data sets for quick runs and tests when no real data is present: Gaussian clusters and
// procedurally drawn shapes, seeded (stream DATA_STREAMS.synthetic) and identical in every runtime.
// Their names always start with `synthetic-` so no output can pass them off as real data.

import { check, NtkError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { DATA_STREAMS, ImageDataset, type ImageShape } from './dataset.js';

const PREFIX = 'synthetic-';

/** The most pixels a synthetic data set may have (64 Mi bytes): generating more takes minutes; use real data. */
export const SYNTHETIC_MAX_PIXELS = 64 * 2 ** 20;

/** E_RESOURCE_LIMIT before generating, if `images` of `pixels` each pass SYNTHETIC_MAX_PIXELS. */
function checkSize(name: string, images: number, pixels: number): void {
  if (images * pixels > SYNTHETIC_MAX_PIXELS) {
    throw new NtkError(
      'E_RESOURCE_LIMIT',
      `${name}: ${images} images of ${pixels} pixels exceed the limit of ${SYNTHETIC_MAX_PIXELS} pixels ` +
        `(${SYNTHETIC_MAX_PIXELS / 2 ** 20} MiB) for generated data; ask for at most ${Math.floor(SYNTHETIC_MAX_PIXELS / pixels)} images.`,
      { name, images, pixels, limit: SYNTHETIC_MAX_PIXELS },
    );
  }
}

/** Options of syntheticClusters. */
export interface SyntheticClustersOptions {
  name: string;
  classes: number;
  perClass: number;
  shape: ImageShape;
  /** Standard deviation of each pixel around its class mean, in [0, 1] pixel units. */
  spread: number;
  seed: number;
}

/** 10 classes of 100 one-channel 8x8 images, spread 0.15, seed 0. */
export const DEFAULT_SYNTHETIC_CLUSTERS: SyntheticClustersOptions = {
  name: 'synthetic-clusters',
  classes: 10,
  perClass: 100,
  shape: [1, 8, 8],
  spread: 0.15,
  seed: 0,
};

/**
 * Gaussian clusters: class means uniform in [0.2, 0.8] per pixel, samples mean + spread·N(0, 1)
 * clamped to [0, 1] and stored as bytes. Sample i has class i mod classes.
 */
export function syntheticClusters(options: Partial<SyntheticClustersOptions> = {}): ImageDataset {
  const o = { ...DEFAULT_SYNTHETIC_CLUSTERS, ...options };
  checkCommon(o.name, o.classes, o.perClass, 256);
  const d = o.shape[0] * o.shape[1] * o.shape[2];
  check(Number.isInteger(d) && d >= 1, `${o.name}: shape [${o.shape}] must be positive integers.`);
  const n = o.classes * o.perClass;
  checkSize(o.name, n, d);
  const rng = new Rng(o.seed, DATA_STREAMS.synthetic);
  const means = rng.uniform(o.classes * d, 0.2, 0.8);
  const noise = rng.normal(n * d);
  const images = new Uint8Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % o.classes;
    labels[i] = c;
    for (let k = 0; k < d; k++) images[i * d + k] = toByte(means[c * d + k] + o.spread * noise[i * d + k]);
  }
  const classes = Array.from({ length: o.classes }, (_, c) => `cluster ${c}`);
  return new ImageDataset({ name: o.name, images, labels, shape: o.shape, classes });
}

/** Class names of syntheticShapes, in label order. */
export const SYNTHETIC_SHAPE_CLASSES = [
  'disk',
  'ring',
  'square',
  'frame',
  'horizontal bar',
  'vertical bar',
  'plus',
  'diagonal cross',
  'triangle',
  'checker',
] as const;

/** Options of syntheticShapes. */
export interface SyntheticShapesOptions {
  name: string;
  /** The first `classes` of SYNTHETIC_SHAPE_CLASSES (2..10). */
  classes: number;
  perClass: number;
  /** Image side in pixels (one channel). */
  size: number;
  /** Standard deviation of the additive pixel noise. */
  noise: number;
  seed: number;
}

/** 10 shape classes of 100 one-channel 28x28 images (the Fashion-MNIST layout), noise 0.05, seed 0. */
export const DEFAULT_SYNTHETIC_SHAPES: SyntheticShapesOptions = {
  name: 'synthetic-shapes',
  classes: 10,
  perClass: 100,
  size: 28,
  noise: 0.05,
  seed: 0,
};

/**
 * One-channel images of shapes (see SYNTHETIC_SHAPE_CLASSES) with random centre, scale and
 * brightness plus Gaussian noise: a Fashion-MNIST stand-in of the same layout. Sample i has
 * class i mod classes.
 */
export function syntheticShapes(options: Partial<SyntheticShapesOptions> = {}): ImageDataset {
  const o = { ...DEFAULT_SYNTHETIC_SHAPES, ...options };
  checkCommon(o.name, o.classes, o.perClass, SYNTHETIC_SHAPE_CLASSES.length);
  check(Number.isInteger(o.size) && o.size >= 8 && o.size <= 256, `${o.name}: size must be an integer in [8, 256], got ${o.size}.`);
  const s = o.size;
  const n = o.classes * o.perClass;
  checkSize(o.name, n, s * s);
  const rng = new Rng(o.seed, DATA_STREAMS.synthetic);
  const images = new Uint8Array(n * s * s);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % o.classes;
    labels[i] = c;
    const [jx, jy, scale, brightness] = rng.uniform(4);
    const cx = s / 2 + (jx - 0.5) * 0.2 * s;
    const cy = s / 2 + (jy - 0.5) * 0.2 * s;
    const radius = (0.25 + 0.15 * scale) * s;
    const value = 0.6 + 0.4 * brightness;
    const noise = rng.normal(s * s);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const inside = insideShape(c, (x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
        images[i * s * s + y * s + x] = toByte((inside ? value : 0) + o.noise * noise[y * s + x]);
      }
    }
  }
  return new ImageDataset({
    name: o.name,
    images,
    labels,
    shape: [1, s, s],
    classes: SYNTHETIC_SHAPE_CLASSES.slice(0, o.classes),
  });
}

/** Whether the point (u, v), in units of the shape's radius from its centre, lies in shape `c`. */
function insideShape(c: number, u: number, v: number): boolean {
  const au = Math.abs(u);
  const av = Math.abs(v);
  const r2 = u * u + v * v;
  switch (c) {
    case 0:
      return r2 <= 1;
    case 1:
      return r2 >= 0.3 && r2 <= 1;
    case 2:
      return au <= 0.8 && av <= 0.8;
    case 3:
      return Math.max(au, av) >= 0.55 && Math.max(au, av) <= 0.85;
    case 4:
      return av <= 0.25 && au <= 1;
    case 5:
      return au <= 0.25 && av <= 1;
    case 6:
      return (au <= 0.2 && av <= 1) || (av <= 0.2 && au <= 1);
    case 7:
      return (Math.abs(u - v) <= 0.28 || Math.abs(u + v) <= 0.28) && Math.max(au, av) <= 0.9;
    case 8:
      return av <= 0.8 && au <= ((v + 0.8) / 1.6) * 0.9;
    default:
      return au <= 1 && av <= 1 && (Math.floor((u + 1) * 2) + Math.floor((v + 1) * 2)) % 2 === 0;
  }
}

function toByte(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

function checkCommon(name: string, classes: number, perClass: number, maxClasses: number): void {
  check(name.startsWith(PREFIX), `synthetic data set names must start with "${PREFIX}", got "${name}".`);
  check(
    Number.isInteger(classes) && classes >= 2 && classes <= maxClasses,
    `${name}: classes must be an integer in [2, ${maxClasses}], got ${classes}.`,
  );
  check(Number.isInteger(perClass) && perClass >= 1, `${name}: perClass must be a positive integer, got ${perClass}.`);
}
