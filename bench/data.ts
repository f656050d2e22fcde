// Data pipeline throughput: Fashion-MNIST from gzip'd IDX bytes to an ImageDataset (decode), then
// to device batches (gather + scale + one writeBuffer per tensor), with and without the device
// crop+flip, in images/s. Where the files cannot be read (a browser), gzip'd synthetic IDX of the
// same size stands in, and the row says so.

import { BatchLoader } from '../src/data/batching.js';
import { readDataFile, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR } from '../src/data/files.js';
import { readIdxDataset, type DataFile } from '../src/data/idx.js';
import { syntheticClusters, syntheticShapes } from '../src/data/synthetic.js';
import type { ImageDataset } from '../src/data/dataset.js';
import type { Gpu } from '../src/device/gpu.js';
import { defineBench, type BenchContext } from './harness.js';

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** The split's two gzip'd IDX files, or synthetic stand-ins of the same shape when unreadable. */
async function fashionBytes(split: 'train' | 'test'): Promise<{ files: [DataFile, DataFile]; source: string }> {
  const stem = split === 'train' ? 'train' : 't10k';
  try {
    const files = await Promise.all(
      [`${stem}-images-idx3-ubyte.gz`, `${stem}-labels-idx1-ubyte.gz`].map((f) => readDataFile(`${FASHION_MNIST_DIR}/${f}`)),
    );
    return { files: files as [DataFile, DataFile], source: `fashion-mnist-${split}` };
  } catch {
    const d = syntheticShapes({ perClass: split === 'train' ? 6000 : 1000, seed: 1 });
    const files = [
      { file: 'synthetic-images.gz', bytes: await gzip(idx([d.length, 28, 28], d.images)) },
      { file: 'synthetic-labels.gz', bytes: await gzip(idx([d.length], d.labels)) },
    ] as [DataFile, DataFile];
    return { files, source: `synthetic-shapes (fashion-mnist unreadable)` };
  }
}

/** Times uploading `count` images of `dataset` in batches of `batchSize`; one sync at the end. */
async function uploadRate(ctx: BenchContext, gpu: Gpu, dataset: ImageDataset, batchSize: number, count: number, augment: boolean) {
  const loader = new BatchLoader(gpu, dataset, { batchSize, seed: 1, augment: augment ? { padding: 4, flip: true } : null });
  const batches = Math.min(loader.batchesPerEpoch, Math.ceil(count / batchSize));
  const ms = await ctx.time(async () => {
    for (let k = 0; k < batches; k++) loader.batch(0, k).dispose();
    await gpu.device.queue.onSubmittedWorkDone();
  }, 3);
  const images = Math.min(dataset.length, batches * batchSize);
  return { images_per_s: Math.round((images / ms) * 1000), ms_per_batch: +(ms / batches).toFixed(3) };
}

defineBench('data', async (ctx) => {
  const { gpu, row, quick } = ctx;
  const split = quick ? 'test' : 'train';
  const { files, source } = await fashionBytes(split);
  const [images, labels] = files;
  let dataset: ImageDataset | null = null;
  const decodeMs = await ctx.time(
    async () => {
      dataset = await readIdxDataset(images, labels, { name: source, classes: FASHION_MNIST_CLASSES });
    },
    quick ? 1 : 3,
  );
  const data = dataset as unknown as ImageDataset;
  row(`decode ${source} (${data.length})`, {
    ms_median: Math.round(decodeMs),
    images_per_s: Math.round((data.length / decodeMs) * 1000),
    gz_mb_per_s: +((images.bytes.length + labels.bytes.length) / 1e3 / decodeMs).toFixed(1),
  });
  const count = quick ? 2048 : 10240;
  let upload128 = 0;
  for (const batchSize of [128, 1024]) {
    const r = await uploadRate(ctx, gpu, data, batchSize, count, false);
    if (batchSize === 128) upload128 = r.images_per_s;
    row(`upload b=${batchSize} [1,28,28]`, r);
  }
  row(`bytes->device ${data.length} b=128`, {
    images_per_s: Math.round(data.length / (decodeMs / 1000 + data.length / upload128)),
  });
  const cifarShaped = syntheticClusters({ perClass: quick ? 50 : 200, shape: [3, 32, 32], seed: 2 });
  row('upload b=128 [3,32,32]', await uploadRate(ctx, gpu, cifarShaped, 128, count, false));
  row('upload+crop+flip b=128 [3,32,32]', await uploadRate(ctx, gpu, cifarShaped, 128, count, true));
});
