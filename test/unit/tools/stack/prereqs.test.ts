import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MissingPrerequisite, PREREQS, requirePrereq } from '../../../../tools/stack/prereqs';

describe('missing prerequisites', () => {
  const noTools = { ...process.env, PATH: '/nonexistent' };

  it.each(Object.entries(PREREQS))(
    '%s: one line naming the tool, what it is for and how to get it',
    (_, prereq) => {
      expect(() => requirePrereq(prereq, noTools)).toThrow(MissingPrerequisite);
      try {
        requirePrereq(prereq, noTools);
      } catch (err) {
        const message = (err as Error).message;
        expect(message.split('\n')).toHaveLength(1);
        expect(message).toContain(`missing prerequisite: ${prereq.command} (not found)`);
        expect(message).toContain(prereq.purpose);
        expect(message).toContain(`install it with: ${prereq.hint}`);
      }
    },
  );

  it('passes when the tool is on PATH (this machine has them all)', () => {
    for (const prereq of Object.values(PREREQS)) expect(prereq.check()).toBeUndefined();
  });

  it('`stack up` on a machine without Maven stops at that line instead of a stack trace', () => {
    const root = path.join(__dirname, '..', '..', '..', '..');
    const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-prereq-'));
    // A PATH holding node and nothing else, an empty install folder, and ports nothing else uses.
    const bin = path.join(stackDir, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const env = {
      ...process.env,
      PATH: bin,
      STACK_DIR: stackDir,
      // Its own, empty: not the installs of a stack this test may run on (npm test's names them).
      STACK_INSTALL_DIR: path.join(stackDir, 'install'),
      STACK_KAFKA_PORT: '29092',
      STACK_KAFKA_CONTROLLER_PORT: '29093',
    };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'tools', 'stack', 'cli.ts'), ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env,
      });
    try {
      const result = cli('up', 'kafka');
      expect(result.stderr).toMatch(
        /^kafka\s+FAILED\s.*missing prerequisite: mvn \(not found\) — Maven fetches the Kafka jars/m,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(result.status).toBe(1);
    } finally {
      cli('down', 'kafka');
      fs.rmSync(stackDir, { recursive: true, force: true });
    }
  });
});
