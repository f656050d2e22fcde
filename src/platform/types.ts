// The one interface every runtime adapter implements (node.ts, deno.ts, browser.ts): how to get
// a WebGPU adapter under the project's policy, read the environment, tell the time, and write files.

import { NtkError } from '../errors.js';

/** Which adapter to acquire. `auto`: a real GPU first, then the fastest software adapter. */
export type AdapterChoice = 'auto' | 'gpu' | 'llvmpipe' | 'swiftshader' | 'lavapipe';

/** Every AdapterChoice. */
export const ADAPTER_CHOICES: readonly AdapterChoice[] = ['auto', 'gpu', 'llvmpipe', 'swiftshader', 'lavapipe'];

/** An adapter found by a platform, with how it was reached. */
export interface AcquiredAdapter {
  adapter: GPUAdapter;
  /** How the adapter was reached, e.g. `dawn/vulkan`, `dawn/opengles`, `deno/wgpu`, `browser`. */
  path: string;
  featureLevel: 'core' | 'compatibility';
}

/** What the library needs from a runtime (Node, Deno, browser): adapters, environment, clock, files, workers and command-line I/O. */
export interface Platform {
  runtime: 'node' | 'deno' | 'browser';
  /** Reads an environment variable; undefined where the runtime has none or denies access. */
  env(name: string): string | undefined;
  /** Milliseconds from a monotonic clock. */
  now(): number;
  /** Acquires an adapter following `choice`; returns null when none of the allowed paths gives one. */
  requestAdapter(choice: AdapterChoice): Promise<AcquiredAdapter | null>;
  /** Adapter choices this runtime can honour. */
  supportedChoices: readonly AdapterChoice[];
  /** What to install or enable when no adapter is found. */
  installHint: string;
  /**
   * Reads a whole file: a path in Node and Deno; in browsers and Workers a file this library
   * stored (IndexedDB) or else a URL relative to the page. Rejects with the runtime's own error;
   * callers turn it into a typed error (src/data/files.ts: E_DATA_READ). Bounded before it reads:
   * a path that is no regular file (a device such as /dev/zero, a pipe, a directory) is E_IO, and a
   * file over `maxBytes` (default READ_LIMIT) E_RESOURCE_LIMIT naming its size and the bound.
   */
  readFile(path: string, maxBytes?: number): Promise<Uint8Array>;
  /**
   * Writes a whole file atomically: readers see the old file or the new one, never a part
   * (temp file + fsync + rename in Node/Deno; one IndexedDB transaction in browsers). Temporary
   * files that killed writers of the same path left behind are removed after the write.
   */
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  /**
   * Appends text to a file, creating it and its directory if needed (run logs). A failed append
   * (E_IO, e.g. a full disk) leaves the file as it was: no part of `text`, never a cut line.
   */
  appendText(path: string, text: string): Promise<void>;
  /**
   * Checks, before any work, that files can be written in directory `path` (created later if
   * missing): E_IO naming the path if it or an ancestor is a file or it is not writable. Browsers
   * store files in IndexedDB and accept any path.
   */
  checkOutputDirectory(path: string): Promise<void>;
  /**
   * The endpoint a worker serves comlink on: the Worker's global scope in browsers and Deno,
   * worker_threads' parentPort (through comlink's node adapter) in Node.
   */
  workerScope(): Promise<unknown>;
  /** The comlink endpoint of a worker the caller created (Node: a worker_threads Worker). */
  workerEndpoint(worker: unknown): Promise<unknown>;
  /**
   * Calls `onGone` with a reason once `worker` exits or fails (Node: its exit or error event;
   * browsers and Deno: its error event, as terminate() fires none there).
   */
  watchWorker(worker: unknown, onGone: (reason: string) => void): void;
  /**
   * Reads a small entry of the library's cache (e.g. the measured program choice of an adapter), or
   * null when there is none or no cache is reachable: Node and Deno a file `name` under
   * NTK_AT_CACHE_DIR, else $XDG_CACHE_HOME/ntk-at, else ~/.cache/ntk-at; browsers IndexedDB (shared
   * by a page and its Workers).
   */
  readCache(name: string): Promise<string | null>;
  /** Stores a cache entry (atomically); false when no cache is writable (the caller goes on without). */
  writeCache(name: string, text: string): Promise<boolean>;
  /** Command-line I/O for the CLI (a browser has no command line: empty args, console output). */
  cli: CliIo;
}

/** A standard stream of the command line. */
export interface CliStream {
  /** A terminal (progress bars redraw in place) rather than a file or pipe (plain lines). */
  isTTY: boolean;
  /** Writes `text` as is. */
  write(text: string): void;
}

/** Command-line I/O of a runtime. */
export interface CliIo {
  /** The command-line arguments after the program name. */
  args(): string[];
  /** Standard output: results. */
  stdout: CliStream;
  /** Standard error: messages, usage errors and progress bars. */
  stderr: CliStream;
  /** Ends the process with `code`. */
  exit(code: number): never;
  /**
   * Runs this same CLI program with `args` in a child process, its stdout and stderr appended to
   * `output`; resolves to the exit code (experiments run their runs this way). Absent in browsers.
   */
  spawnSelf?(args: string[], output: string): Promise<number>;
  /** The command line that starts this CLI program (Node: node and the absolute script path); absent in browsers. */
  selfCommand?(): string[];
  /** `path` made absolute against the working directory; absent in browsers. */
  absolutePath?(path: string): string;
  /**
   * Creates `path` exclusively (O_EXCL) holding `host pid` of this process: held, or the holder's
   * `host pid` when another process has it. A lock left by a dead process on this host is taken over.
   */
  lockFile?(path: string): Promise<FileLock | { held: false; holder: string }>;
  /**
   * Calls `handler` (once) when the process is interrupted: SIGINT (Ctrl-C) or SIGTERM, from a
   * terminal or sent to this process alone (a supervisor, kill PID); browsers have none.
   */
  onInterrupt(handler: (signal: 'SIGINT' | 'SIGTERM') => void): void;
  /**
   * Where the runtime's native libraries print harmless diagnostics straight to stderr (Node: Dawn
   * and Mesa), runs the command line in a child process whose stderr drops those known lines and
   * resolves to its exit code; resolves to null where there is nothing to filter, or in the child.
   */
  runQuietly?(args: string[]): Promise<number | null>;
}

/** The default bound of Platform.readFile: 2 GiB (a checkpoint or data file larger than that is refused before it is read). */
export const READ_LIMIT = 2 ** 31;

/** The typed error of a file over a read bound. */
export function tooLarge(path: string, size: number, maxBytes: number): NtkError {
  return new NtkError(
    'E_RESOURCE_LIMIT',
    `${path} is ${size} bytes, more than the ${maxBytes} bytes read at most from such a file; name the right file.`,
    { path, size, limit: maxBytes },
  );
}

/** The typed error of a path that is no regular file (a device, a pipe, a directory). */
export function notRegularFile(path: string): NtkError {
  return new NtkError('E_IO', `cannot read ${path}: it is not a regular file (a device, pipe or directory); name a file.`, { path });
}

/** Wraps a runtime's file error as E_IO naming the path. */
export function ioError(path: string, cause: unknown): NtkError {
  return new NtkError('E_IO', `cannot write ${path}: ${(cause as Error)?.message ?? cause}. Check the path and permissions.`, { path });
}

/**
 * What an adapter is, as far as it tells: `software` (a CPU implementation: the fallback flag, or
 * a known CPU implementation's name: SwiftShader, llvmpipe, lavapipe, softpipe, WARP), `hardware`
 * (a GPU maker or product line named), or `unknown` (the info is masked, as browsers do unless
 * developer features are on, or names only a driver stack such as Mesa or ANGLE). Features and limits do not separate the two (SwiftShader offers BC/ETC2/ASTC compression and
 * timestamp queries as GPUs do), so they decide nothing here; GEMM variants are chosen by measurement in
 * every class (src/ops/program_choice.ts).
 */
export type AdapterClass = 'software' | 'hardware' | 'unknown';

const CPU_IMPLEMENTATIONS = /swiftshader|llvmpipe|lavapipe|softpipe|software|warp|basic render/i;
/** GPU makers and product lines; a driver stack alone ("mesa", "ANGLE") tells nothing. */
const GPU_VENDORS =
  /nvidia|geforce|quadro|\bamd\b|radeon|\bati\b|intel|\biris\b|apple|qualcomm|adreno|\barm\b|mali|imagination|powervr|samsung|xclipse|broadcom|videocore|\bimg\b/i;

/** The class of an adapter from its info (see AdapterClass). */
export function adapterClass(info: GPUAdapterInfo): AdapterClass {
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) return 'software';
  const text = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
  if (CPU_IMPLEMENTATIONS.test(text)) return 'software';
  return GPU_VENDORS.test(text) ? 'hardware' : 'unknown';
}

/** True when an adapter is known to be a CPU (software) implementation (adapterClass `software`). */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  return adapterClass(info) === 'software';
}

/** A lock file this process holds (CliIo.lockFile). */
export interface FileLock {
  held: true;
  /** Removes the lock file. */
  release(): Promise<void>;
}
