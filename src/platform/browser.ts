// Browser (and Worker) platform: `navigator.gpu`. A core adapter first; if the browser only
// offers a compatibility adapter (Chromium's OpenGL ES path on llvmpipe), that one.

import { isSoftwareAdapter, type AdapterChoice, type Platform } from './types.js';

export const browserPlatform: Platform = {
  runtime: 'browser',
  env: () => undefined,
  now: () => performance.now(),
  supportedChoices: ['auto', 'gpu'],
  installHint:
    'Use a browser with WebGPU enabled from a secure context (https or http://127.0.0.1); headless Chromium ' +
    'on a GPU-less machine needs --enable-unsafe-webgpu (add --use-angle=gl-egl --use-webgpu-adapter=opengles for llvmpipe).',
  async requestAdapter(choice: AdapterChoice) {
    if (typeof navigator === 'undefined' || !navigator.gpu) return null;
    const core = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    const found = core
      ? { adapter: core, featureLevel: 'core' as const }
      : await navigator.gpu
          .requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions)
          .then((a) => (a ? { adapter: a, featureLevel: 'compatibility' as const } : null));
    if (!found) return null;
    if (choice === 'gpu' && isSoftwareAdapter(found.adapter.info)) return null;
    return { ...found, path: 'browser', keepAlive: null };
  },
};
