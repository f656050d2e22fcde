// Typed errors for the whole library: every failure a user can cause or meet has a stable
// `code` and a message that says what to do next. Catch `NtkError` and switch on `code`.

/** Stable error codes. Never renamed once published; new ones are appended. */
export type NtkErrorCode =
  | 'E_NO_ADAPTER' // no WebGPU adapter could be acquired
  | 'E_ADAPTER_UNAVAILABLE' // the adapter the user asked for is not available in this runtime
  | 'E_DEVICE_LOST' // the GPU device was lost or destroyed
  | 'E_SHAPE_MISMATCH' // tensor shapes do not fit the operation
  | 'E_BUFFER_TOO_LARGE' // a buffer exceeds the device's limits
  | 'E_INVALID_ARGUMENT' // an option or argument has a bad value
  | 'E_SHADER_COMPILE' // a WGSL shader failed to compile
  | 'E_GPU_VALIDATION' // the GPU rejected a command (a bug or a limit)
  | 'E_GPU_OUT_OF_MEMORY' // the GPU ran out of memory
  | 'E_DISPOSED' // a tensor was used after dispose()
  | 'E_WASM' // the WASM module failed to load or run
  | 'E_NOT_FINITE' // NaN or Inf where finite numbers are required
  | 'E_NOT_SYMMETRIC' // a matrix that must be symmetric is not
  | 'E_CHECKPOINT_CORRUPT' // a checkpoint file is truncated or inconsistent
  | 'E_CHECKPOINT_MISMATCH' // a checkpoint does not fit the model or run it is loaded into
  | 'E_IO' // a file could not be written
  | 'E_DATA_FORMAT' // a data file is malformed: truncated, wrong magic, bad labels, mismatched sizes
  | 'E_DATA_EMPTY' // a data set (or a selection from one) has no samples
  | 'E_DATA_READ' // a data file could not be read (missing, no permission, no file access in this runtime)
  | 'E_NOT_CONVERGED' // an iterative solver (the eigen-solver) did not converge
  | 'E_NOT_PSD' // a kernel that must be positive semi-definite has clearly negative eigenvalues
  | 'E_RUN_FAILED' // a run started by an experiment exited without finishing
  | 'E_RUN_LOCKED' // another process holds the run directory's lock (the same run is already running)
  | 'E_MIXED_VERSIONS' // an experiment's runs were (or would be) made by different code versions
  | 'E_CANCELLED' // the caller cancelled the work (an AbortSignal, or terminating the session's worker)
  | 'E_WORKER_EXITED' // the worker serving a session exited or failed while a request was pending
  | 'E_RESOURCE_LIMIT' // a request needs more memory (host or device) than the limit it names
  | 'E_MISSING_DEPENDENCY'; // an optional package this runtime needs is not installed (Node: npm `webgpu`)

/** The error every failure of this library throws: switch on `code`; the message says what to do. */
export class NtkError extends Error {
  readonly code: NtkErrorCode;
  /** Structured context (shapes, limits, names) for programs that handle the error. */
  readonly details: Record<string, unknown>;

  /** The message is prefixed with `[code]`; `details` carries structured context. */
  constructor(code: NtkErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(`[${code}] ${message}`);
    this.name = 'NtkError';
    this.code = code;
    this.details = details;
  }

  /** An NtkError rebuilt from another thread's `message` (which already starts with `[code]`) and `stack`. */
  static fromMessage(code: NtkErrorCode, message: string, details: Record<string, unknown>, stack?: string): NtkError {
    const error = new NtkError(code, message.replace(/^\[[A-Z_]+\] /, ''), details);
    if (stack) error.stack = stack;
    return error;
  }
}

/** Throws E_INVALID_ARGUMENT unless `ok`; `message` names the option and the accepted values. */
export function check(ok: boolean, message: string, details: Record<string, unknown> = {}): asserts ok {
  if (!ok) throw new NtkError('E_INVALID_ARGUMENT', message, details);
}
