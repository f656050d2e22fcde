// Browser (and Worker) platform: `navigator.gpu`. A real GPU first; on a software-only browser,
// the compatibility adapter (Chromium's OpenGL ES on llvmpipe) if offered, else the core one.

import { ioError, isSoftwareAdapter, READ_LIMIT, tooLarge, type AdapterChoice, type Platform } from './types.js';

export const browserPlatform: Platform = {
  runtime: 'browser',
  env: () => undefined,
  now: () => performance.now(),
  supportedChoices: ['auto', 'gpu'],
  installHint:
    'Use a browser with WebGPU enabled from a secure context (https or http://127.0.0.1); headless Chromium ' +
    'on a GPU-less machine needs --enable-unsafe-webgpu (add --use-angle=gl-egl --use-webgpu-adapter=opengles for llvmpipe).',
  async writeFileAtomic(path, bytes) {
    await storeFile(path, () => bytes);
  },
  async appendText(path, text) {
    const add = new TextEncoder().encode(text);
    await storeFile(path, (old) => {
      const joined = new Uint8Array((old?.length ?? 0) + add.length);
      if (old) joined.set(old);
      joined.set(add, old?.length ?? 0);
      return joined;
    });
  },
  checkOutputDirectory: async () => undefined, // IndexedDB keys, not directories
  workerScope: async () => globalThis,
  workerEndpoint: async (worker) => worker,
  watchWorker: (worker, onGone) => {
    (worker as Worker).addEventListener('error', (e) => onGone(`failed: ${(e as ErrorEvent).message ?? 'error event'}`), { once: true });
  },
  cli: {
    args: () => [],
    stdout: { isTTY: false, write: (t) => console.log(t.replace(/\n$/, '')) },
    stderr: { isTTY: false, write: (t) => console.error(t.replace(/\n$/, '')) },
    exit: (code) => {
      throw new Error(`exit(${code}) called in a browser`);
    },
    onInterrupt: () => undefined,
  },
  async requestAdapter(choice: AdapterChoice) {
    if (typeof navigator === 'undefined' || !navigator.gpu) return null;
    const core = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (core && !isSoftwareAdapter(core.info)) return { adapter: core, featureLevel: 'core', path: 'browser' };
    if (choice === 'gpu') return null;
    // Software only: Chromium's compatibility adapter (OpenGL ES on llvmpipe) beats its core
    // SwiftShader adapter several times over, so it wins when the browser offers it.
    const compat = await navigator.gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    // A genuine compatibility adapter lacks 'core-features-and-limits' (browsers mask its name).
    if (compat && !compat.features.has('core-features-and-limits')) {
      return { adapter: compat, featureLevel: 'compatibility', path: 'browser/compatibility' };
    }
    return core ? { adapter: core, featureLevel: 'core', path: 'browser' } : null;
  },
  // The cache lives in IndexedDB (under CACHE_PREFIX), which the page and its Workers share.
  async readCache(name) {
    try {
      const bytes = await loadStoredFile(`${CACHE_PREFIX}${name}`);
      return bytes ? new TextDecoder().decode(bytes) : null;
    } catch {
      return null; // no IndexedDB (a sandboxed or private context): no cache
    }
  },
  async writeCache(name, text) {
    return storeFile(`${CACHE_PREFIX}${name}`, () => new TextEncoder().encode(text)).then(
      () => true,
      () => false,
    );
  },
  async readFile(path: string, maxBytes = READ_LIMIT) {
    const stored = await loadStoredFile(path); // files this library wrote (checkpoints, logs)
    if (stored && stored.length > maxBytes) throw tooLarge(path, stored.length, maxBytes);
    if (stored) return stored;
    const response = await fetch(path);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} for ${response.url || path}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > maxBytes) throw tooLarge(path, declared, maxBytes);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw tooLarge(path, bytes.length, maxBytes);
    return bytes;
  },
};

/** Where cache entries (Platform.readCache) live among the stored files. */
const CACHE_PREFIX = 'ntk-at-cache/';

/** The IndexedDB database (`ntk-at`, store `files`, keyed by path) that stands in for a file system. */
function openFileDb(): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open('ntk-at', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('files');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

/**
 * Browsers have no file system: files live in IndexedDB. `update` maps the old bytes (or
 * undefined) to the new ones inside ONE readwrite transaction, so a write is all-or-nothing.
 */
async function storeFile(path: string, update: (old: Uint8Array | undefined) => Uint8Array): Promise<void> {
  try {
    const db = await openFileDb();
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('files', 'readwrite');
      const store = tx.objectStore('files');
      const get = store.get(path);
      get.onsuccess = () => store.put(update(get.result as Uint8Array | undefined), path);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    db.close();
  } catch (e) {
    throw ioError(path, e);
  }
}

/** The bytes stored at `path` in IndexedDB, or undefined. */
async function loadStoredFile(path: string): Promise<Uint8Array | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const db = await openFileDb();
  try {
    return await new Promise<Uint8Array | undefined>((resolve, reject) => {
      const get = db.transaction('files', 'readonly').objectStore('files').get(path);
      get.onsuccess = () => resolve(get.result as Uint8Array | undefined);
      get.onerror = () => reject(get.error);
    });
  } finally {
    db.close();
  }
}
