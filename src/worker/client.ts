// The caller's side of the session API: a comlink proxy of the TrainingSession served by a Worker
// (see exposeSession); event listeners cross the thread boundary as comlink proxies. A pending run
// never hangs: it rejects with a typed error when the caller aborts it (the worker is terminated,
// which stops the work), terminates the session, or the worker exits or fails by itself.

import { proxy, wrap, type Endpoint, type Remote } from 'comlink';
import { NtkError } from '../errors.js';
import { currentPlatform } from '../platform/index.js';
import type { EvaluationResult } from '../train/evaluate.js';
import type { SessionListener, SessionRequest, TrainingSession } from './session.js';
import { installErrorTransfer } from './transfer.js';

interface Connection {
  worker: { terminate(): unknown };
  /** Rejects every pending run of this session. */
  pending: Set<(error: NtkError) => void>;
  /** Set once the worker is gone: later runs reject at once. */
  gone: NtkError | null;
}

const connections = new WeakMap<object, Connection>();

/**
 * The remote TrainingSession of `worker` (a Worker running exposeSession, e.g. dist/worker.js: a
 * module Worker in browsers and Deno, a worker_threads Worker in Node).
 */
export async function connectSession(worker: unknown): Promise<Remote<TrainingSession>> {
  installErrorTransfer();
  const platform = currentPlatform();
  const session = wrap<TrainingSession>((await platform.workerEndpoint(worker)) as Endpoint);
  const connection: Connection = { worker: worker as Connection['worker'], pending: new Set(), gone: null };
  platform.watchWorker(worker, (reason) => end(connection, new NtkError('E_WORKER_EXITED', `the session's worker ${reason}; start a new worker and session.`, { reason })));
  connections.set(session, connection);
  return session;
}

function end(connection: Connection, error: NtkError): void {
  connection.gone ??= error;
  for (const reject of connection.pending) reject(connection.gone);
  connection.pending.clear();
}

export interface RemoteRunOptions {
  /** Aborting rejects the run with E_CANCELLED and terminates the session's worker (stopping the work). */
  signal?: AbortSignal;
}

/** Runs `request` on a remote session, delivering its events to `onEvent` on this thread. */
export function runRemote(
  session: Remote<TrainingSession>, request: Partial<SessionRequest>, onEvent: SessionListener, options: RemoteRunOptions = {},
): Promise<EvaluationResult> {
  const connection = connections.get(session);
  if (!connection) return Promise.reject(new NtkError('E_INVALID_ARGUMENT', 'runRemote: the session was not made by connectSession.'));
  if (connection.gone) return Promise.reject(connection.gone);
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(cancelled('before it started'));
  return new Promise<EvaluationResult>((resolve, reject) => {
    const onAbort = () => void terminateSession(session, cancelled('by its AbortSignal'));
    const settle = () => {
      connection.pending.delete(fail);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: NtkError) => {
      settle();
      reject(error);
    };
    connection.pending.add(fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    session.run(request, proxy(onEvent)).then(
      (result) => {
        settle();
        resolve(result);
      },
      (error) => {
        settle();
        reject(error);
      },
    );
  });
}

function cancelled(how: string): NtkError {
  return new NtkError('E_CANCELLED', `the training session was cancelled ${how}; its worker was terminated (start a new one to run again).`);
}

/**
 * Terminates the session's worker: pending runs reject with E_CANCELLED (or `reason`) and later
 * runs on this session reject at once.
 */
export async function terminateSession(session: Remote<TrainingSession>, reason: NtkError = cancelled('by terminateSession')): Promise<void> {
  const connection = connections.get(session);
  if (!connection) return;
  end(connection, reason);
  await connection.worker.terminate();
}
