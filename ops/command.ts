import os from 'node:os';
import type { Command } from 'commander';

/** What a command that ran to the end decided: 0 done, 1 refused (an error of its own throws instead). */
export interface Outcome {
  exitCode: number;
}

/** A command adds itself to the program it is handed; `outcome` is where it says it refused. */
export type RegisterCommand = (cli: Command, outcome: Outcome) => void;

/** Bad usage found after parsing (commander's own parse errors exit with the same status). */
export class UsageError extends Error {}

/** Who the audit log says acted, for a command run from a shell. */
export const cliActor = () => `cli:${os.userInfo().username}`;
