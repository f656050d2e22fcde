// Typed errors across the worker boundary: comlink's built-in "throw" handler sends an Error as
// { message, name, stack } and rebuilds a plain Error; this wrapper also sends an NtkError's
// `code` and `details` and rebuilds an NtkError. Installed by both sides (client.ts, expose.ts).

import { transferHandlers, type TransferHandler } from 'comlink';
import { NtkError, type NtkErrorCode } from '../errors.js';

interface SerializedThrow {
  isError: boolean;
  value: { message?: string; name?: string; stack?: string; code?: NtkErrorCode; details?: Record<string, unknown> } | unknown;
}

/** Details that survive structured cloning (else none: the code and message still arrive). */
function cloneableDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(details);
  } catch {
    return {};
  }
}

/** Replaces comlink's "throw" handler (once per thread) with one that keeps NtkError's code and details. */
export function installErrorTransfer(): void {
  const builtin = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, SerializedThrow>;
  if ((builtin as { ntkAt?: boolean }).ntkAt) return;
  const handler: TransferHandler<{ value: unknown }, SerializedThrow> & { ntkAt: true } = {
    ntkAt: true,
    canHandle: (value): value is { value: unknown } => builtin.canHandle(value),
    serialize(thrown) {
      const [serialized, transferables] = builtin.serialize(thrown);
      const error = thrown.value;
      if (error instanceof NtkError && serialized.isError) {
        serialized.value = { ...(serialized.value as object), code: error.code, details: cloneableDetails(error.details) };
      }
      return [serialized, transferables];
    },
    deserialize(serialized) {
      const value = serialized.value as { message: string; stack?: string; code?: NtkErrorCode; details?: Record<string, unknown> };
      if (serialized.isError && typeof value?.code === 'string')
        throw NtkError.fromMessage(value.code, value.message, value.details ?? {}, value.stack);
      return builtin.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler);
}
