// Per-command profile of a piece of GPU work (opt-in; the bench's --profile): records the commands the
// work issues (Gpu.recorder; with no profile running, ops pay one null check), then replays each one
// alone, timed by wall clock around submit + onSubmittedWorkDone, minus an empty submission's time.

import { NtkError, check } from '../errors.js';
import type { Gpu, RecordedCommand } from './gpu.js';

/** How the commands were timed: one method on every adapter (timestamp queries are not used: Node's default llvmpipe adapter lacks them). */
export const PROFILE_METHOD =
  "wall clock around submit + onSubmittedWorkDone, each command replayed alone, an empty submission's time subtracted";

/** One op (a shader, or clearBuffer / copyBufferToBuffer) in a profile. */
export interface OpTime {
  op: string;
  /** Commands of this op in the work. */
  calls: number;
  /** Sum over its commands of the median replay time, ms. */
  ms: number;
  /** ms / the sum over all ops. */
  share: number;
  /** The label of its slowest command, e.g. `matmul (block) 128x784x256`. */
  slowest: string;
}

/** What profileCommands measured. */
export interface CommandProfile {
  method: string;
  /** Wall time of the work itself, recorded once (with JavaScript, host writes and readbacks), ms. */
  workMs: number;
  /** Median time of an empty submission (subtracted from every command's replay), ms. */
  emptySubmitMs: number;
  /** Sum of the ops' times, ms. */
  commandsMs: number;
  ops: OpTime[];
  /** The commands grouped by label (the same shader on the same shapes), slowest first. */
  commandGroups: CommandGroup[];
}

/** Commands of one label (one shader on one set of shapes) in a profile. */
export interface CommandGroup {
  label: string;
  op: string;
  calls: number;
  /** Sum over these commands of the median replay time, ms. */
  ms: number;
}

/**
 * Runs `work` once while recording its commands, then replays every command alone `replays` times
 * (median per command). Replays write the work's buffers again: profile throwaway state only.
 */
export async function profileCommands(gpu: Gpu, work: () => Promise<unknown>, replays = 5): Promise<CommandProfile> {
  check(Number.isInteger(replays) && replays >= 1, `profileCommands: replays must be an integer >= 1, got ${replays}.`);
  const now = () => gpu.platform.now();
  const commands: RecordedCommand[] = [];
  await gpu.synchronize();
  const start = now();
  gpu.recorder = (c) => commands.push(c);
  try {
    await work();
    await gpu.synchronize();
  } finally {
    gpu.recorder = null;
  }
  const workMs = now() - start;

  const device = gpu.device;
  const submitAlone = async (command: RecordedCommand | null): Promise<number> => {
    const encoder = device.createCommandEncoder({ label: command?.label ?? 'empty' });
    command?.encode(encoder);
    const buffer = encoder.finish();
    const t0 = now();
    device.queue.submit([buffer]);
    await device.queue.onSubmittedWorkDone();
    return now() - t0;
  };
  device.pushErrorScope('validation');
  const empty: number[] = [];
  for (let i = 0; i < 4 * replays + 1; i++) empty.push(await submitAlone(null));
  const times = commands.map(() => [] as number[]);
  for (let r = 0; r < replays; r++) {
    for (let i = 0; i < commands.length; i++) times[i].push(await submitAlone(commands[i]));
  }
  const error = await device.popErrorScope();
  if (error) {
    throw new NtkError(
      'E_GPU_VALIDATION',
      `profile: replaying the recorded commands failed (${error.message}); profile work whose buffers stay alive until it ends.`,
    );
  }

  const emptySubmitMs = median(empty);
  const byOp = new Map<string, { calls: number; ms: number; slowest: string; slowestMs: number }>();
  commands.forEach((c, i) => {
    const ms = Math.max(0, median(times[i]) - emptySubmitMs);
    const entry = byOp.get(c.op) ?? { calls: 0, ms: 0, slowest: c.label, slowestMs: -1 };
    entry.calls++;
    entry.ms += ms;
    if (ms > entry.slowestMs) Object.assign(entry, { slowest: c.label, slowestMs: ms });
    byOp.set(c.op, entry);
  });
  const byLabel = new Map<string, CommandGroup>();
  commands.forEach((c, i) => {
    const entry = byLabel.get(c.label) ?? { label: c.label, op: c.op, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += Math.max(0, median(times[i]) - emptySubmitMs);
    byLabel.set(c.label, entry);
  });
  const commandGroups = [...byLabel.values()].sort((a, b) => b.ms - a.ms);
  const commandsMs = [...byOp.values()].reduce((sum, o) => sum + o.ms, 0);
  const ops = [...byOp].map(([op, o]) => ({
    op,
    calls: o.calls,
    ms: o.ms,
    share: commandsMs > 0 ? o.ms / commandsMs : 0,
    slowest: o.slowest,
  }));
  ops.sort((a, b) => b.ms - a.ms);
  return { method: PROFILE_METHOD, workMs, emptySubmitMs, commandsMs, ops, commandGroups };
}

function median(xs: number[]): number {
  const t = [...xs].sort((a, b) => a - b);
  const mid = t.length >> 1;
  return t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
}
