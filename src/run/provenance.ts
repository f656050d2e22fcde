// Which code made a run: the package version and the git commit of the build (dirty when tracked
// files differed from it), recorded in every run's config; experiments refuse to mix them in one
// grid unless told to (experiments/runner.ts).

import { BUILD } from '../generated/build.js';
import { VERSION } from '../version.js';

/** The code a run was made with. */
export interface CodeVersion {
  version: string;
  /** The build's git commit, or null when it was not built from a git checkout. */
  commit: string | null;
  /** Tracked files differed from the commit when it was built. */
  dirty: boolean;
}

/** This build's code version. */
export function codeVersion(): CodeVersion {
  return { version: VERSION, commit: BUILD.commit, dirty: BUILD.dirty };
}

/** One line naming a code version, e.g. `ntk-at 0.1.0, commit 416efe5 (dirty)`; `not recorded` for runs older than the record. */
export function formatCodeVersion(code: CodeVersion | null): string {
  if (!code) return 'not recorded';
  return `ntk-at ${code.version}, ${code.commit ? `commit ${code.commit.slice(0, 12)}` : 'no git commit'}${code.dirty ? ' (dirty)' : ''}`;
}
