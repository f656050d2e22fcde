// Node-only tests of the pure data logic: ImageDataset validation, stratified subsets, seeded
// train/validation splits, probe sets, and that the synthetic data sets are learnable and named.

import { describe, expect, it } from 'vitest';
import { ImageDataset, stratifiedIndices, stratifiedSubset, trainValidationSplit } from '../../src/data/dataset.js';
import { selectProbeSet } from '../../src/data/probe.js';
import { SYNTHETIC_SHAPE_CLASSES, syntheticClusters, syntheticShapes } from '../../src/data/synthetic.js';
import { Rng } from '../../src/random/rng.js';

/** n samples of 2x2 pixels with seeded labels over `classes` classes (class sizes unequal). */
function labelled(n: number, classes: number, seed = 1): ImageDataset {
  const labels = Uint8Array.from(new Rng(seed).uniform(n), (u) => Math.min(classes - 1, Math.floor(u * u * classes)));
  for (let c = 0; c < classes; c++) labels[c] = c; // every class present
  const images = Uint8Array.from({ length: n * 4 }, (_, k) => Math.floor(k / 4) % 256);
  return new ImageDataset({ name: 'toy', images, labels, shape: [1, 2, 2], classes: Array.from({ length: classes }, (_, c) => `c${c}`) });
}

describe('ImageDataset', () => {
  it('rejects empty, mis-sized and out-of-range data with typed errors naming the origin', () => {
    const make = (images: number, labels: number[], origin?: string) => () =>
      new ImageDataset({
        name: 'd',
        images: new Uint8Array(images),
        labels: Uint8Array.from(labels),
        shape: [1, 2, 2],
        classes: ['a', 'b'],
        origin,
      });
    expect(make(0, [])).toThrow(/E_DATA_EMPTY/);
    expect(make(7, [0, 1], 'file.bin')).toThrow(/E_DATA_FORMAT.*file\.bin.*8 pixel bytes/);
    expect(make(8, [0, 2], 'labels.idx')).toThrow(/E_DATA_FORMAT.*labels\.idx: label 2 at index 1/);
    expect(() => labelled(10, 3).subset([])).toThrow(/E_DATA_EMPTY/);
    expect(() => labelled(10, 3).subset([10])).toThrow(/E_INVALID_ARGUMENT/);
  });

  it('subset copies the chosen samples in order; image() is a view', () => {
    const d = labelled(20, 3);
    const s = d.subset([5, 2, 19]);
    expect([...s.labels]).toEqual([d.labels[5], d.labels[2], d.labels[19]]);
    expect([...s.image(2)]).toEqual([19, 19, 19, 19]);
    expect(d.image(3).buffer).toBe(d.images.buffer);
  });
});

describe('stratified subsets', () => {
  const d = labelled(400, 5);

  it('first N per class: grouped by class, ascending, the earliest members', () => {
    const idx = stratifiedIndices(d, { perClass: 6, selection: 'first' });
    const byClass = d.indicesByClass();
    for (let c = 0; c < 5; c++) expect([...idx.subarray(6 * c, 6 * c + 6)]).toEqual([...byClass[c].subarray(0, 6)]);
  });

  it('seeded random: reproducible, seed-dependent, grouped and ascending within a class', () => {
    const a = stratifiedIndices(d, { perClass: 6, selection: 'random', seed: 3 });
    expect([...stratifiedIndices(d, { perClass: 6, selection: 'random', seed: 3 })]).toEqual([...a]);
    expect([...stratifiedIndices(d, { perClass: 6, selection: 'random', seed: 4 })]).not.toEqual([...a]);
    for (let c = 0; c < 5; c++) {
      const part = [...a.subarray(6 * c, 6 * c + 6)];
      expect(part.every((i) => d.labels[i] === c)).toBe(true);
      expect(part).toEqual([...part].sort((x, y) => x - y));
      expect(new Set(part).size).toBe(6);
    }
    expect(stratifiedSubset(d, { perClass: 6, selection: 'random', seed: 3 }).name).toBe('toy[6/class, seed 3]');
  });

  it('a class with too few samples is E_INVALID_ARGUMENT naming it', () => {
    const smallest = Math.min(...d.classCounts());
    expect(() => stratifiedIndices(d, { perClass: smallest + 1 })).toThrow(/E_INVALID_ARGUMENT.*class \d \("c\d"\) has/);
  });
});

describe('train/validation split', () => {
  const d = labelled(503, 4, 7);

  it('stratified: disjoint, complete, exact size, class proportions within one sample', () => {
    const { train, validation } = trainValidationSplit(d, { validation: 0.2, seed: 1 });
    expect(validation.length).toBe(Math.round(0.2 * 503));
    expect(train.length + validation.length).toBe(503);
    const ids = (s: ImageDataset) => [...s.images.filter((_, k) => k % 4 === 0)];
    const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
    expect(all).toEqual([...ids(d)].sort((a, b) => a - b));
    const counts = d.classCounts();
    validation.classCounts().forEach((v, c) => expect(Math.abs(v - (counts[c] * validation.length) / 503)).toBeLessThan(1));
  });

  it('seeded and reproducible; a count works as well as a fraction; bad sizes are rejected', () => {
    const a = trainValidationSplit(d, { validation: 50, seed: 2, stratified: false });
    const b = trainValidationSplit(d, { validation: 50, seed: 2, stratified: false });
    const c = trainValidationSplit(d, { validation: 50, seed: 3, stratified: false });
    expect(a.validation.length).toBe(50);
    expect([...a.validation.images]).toEqual([...b.validation.images]);
    expect([...a.validation.images]).not.toEqual([...c.validation.images]);
    expect(() => trainValidationSplit(d, { validation: 503 })).toThrow(/E_INVALID_ARGUMENT/);
    expect(() => trainValidationSplit(d, { validation: 0 })).toThrow(/E_INVALID_ARGUMENT/);
  });
});

describe('probe sets', () => {
  it('k per class, grouped by class, fixed by the seed, named after source and seed', () => {
    const d = syntheticClusters({ perClass: 30 });
    const probe = selectProbeSet(d, { perClass: 5, seed: 9 });
    expect(probe.indices.length).toBe(50);
    expect([...probe.dataset.labels]).toEqual(Array.from({ length: 50 }, (_, i) => Math.floor(i / 5)));
    expect([...selectProbeSet(d, { perClass: 5, seed: 9 }).indices]).toEqual([...probe.indices]);
    expect(probe.dataset.name).toBe('synthetic-clusters[probe 5/class, seed 9]');
  });
});

describe('synthetic data sets', () => {
  /** Accuracy of the nearest class mean (fit on `train`) on `test`. */
  function nearestMeanAccuracy(train: ImageDataset, test: ImageDataset): number {
    const d = train.imageSize;
    const means = train.classes.map(() => new Float64Array(d));
    const counts = train.classCounts();
    for (let i = 0; i < train.length; i++) {
      const x = train.image(i);
      for (let k = 0; k < d; k++) means[train.labels[i]][k] += x[k] / counts[train.labels[i]];
    }
    let correct = 0;
    for (let i = 0; i < test.length; i++) {
      const x = test.image(i);
      const dist = means.map((m) => m.reduce((s, v, k) => s + (v - x[k]) ** 2, 0));
      correct += Number(dist.indexOf(Math.min(...dist)) === test.labels[i]);
    }
    return correct / test.length;
  }

  it('are named synthetic-*, balanced, seeded, and learnable by a nearest-mean classifier', () => {
    const train = syntheticShapes({ perClass: 40, seed: 1 });
    const test = syntheticShapes({ perClass: 20, seed: 2 });
    expect(train.name).toBe('synthetic-shapes');
    expect(train.classes).toEqual(SYNTHETIC_SHAPE_CLASSES);
    expect(train.classCounts()).toEqual(new Array(10).fill(40));
    expect([...syntheticShapes({ perClass: 40, seed: 1 }).images]).toEqual([...train.images]);
    expect(nearestMeanAccuracy(train, test)).toBeGreaterThan(0.6);
    const clusters = trainValidationSplit(syntheticClusters({ perClass: 70, seed: 1 }), { validation: 0.3 });
    expect(nearestMeanAccuracy(clusters.train, clusters.validation)).toBeGreaterThan(0.95);
    expect(() => syntheticShapes({ name: 'shapes' })).toThrow(/must start with "synthetic-"/);
  });
});
