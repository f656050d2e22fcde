// Browser (and Worker) platform: `navigator.gpu`. A real GPU first; on a software-only browser,
// the compatibility adapter (Chromium's OpenGL ES on llvmpipe) if offered, else the core one.

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
    if (core && !isSoftwareAdapter(core.info)) return { adapter: core, featureLevel: 'core', path: 'browser', keepAlive: null };
    if (choice === 'gpu') return null;
    // Software only: Chromium's compatibility adapter (OpenGL ES on llvmpipe) beats its core
    // SwiftShader adapter several times over, so it wins when the browser offers it.
    const compat = await navigator.gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    // A genuine compatibility adapter lacks 'core-features-and-limits' (browsers mask its name).
    if (compat && !compat.features.has('core-features-and-limits')) {
      return { adapter: compat, featureLevel: 'compatibility', path: 'browser/compatibility', keepAlive: null };
    }
    return core ? { adapter: core, featureLevel: 'core', path: 'browser', keepAlive: null } : null;
  },
  async readFile(path: string) {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for ${response.url || path}`);
    return new Uint8Array(await response.arrayBuffer());
  },
};
