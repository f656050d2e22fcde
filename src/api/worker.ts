/**
 * Training runs in a Worker (browser, Deno, Node worker_threads) with events streamed back: the
 * session, the Worker side (`ntk-at/worker` runs exposeSession) and the caller's side.
 * @module worker
 */

export { TrainingSession, type SessionEvent, type SessionListener, type SessionOptions } from '../worker/session.js';
export { exposeSession, ServedSession } from '../worker/expose.js';
export { connectSession, runRemote, terminateSession, type RemoteRunOptions, type RemoteSession } from '../worker/client.js';
