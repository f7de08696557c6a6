import { main } from '../../../ops/main';
import { capturedOutput } from '../../support/captured-output';

/** Runs the operator CLI in-process, returning its exit status and what it printed. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { result: code, out, err } = await capturedOutput(() => main(argv));
  return { code, out, err };
}

describe('npm run orders (the operator CLI)', () => {
  it.each([[['--help']], [['-h']], [[]]])(
    '%j prints the usage with every command, and exits 0',
    async (argv) => {
      const { code, out, err } = await run(...argv);
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(/^Usage: npm run orders -- \[options\] \[command\]/);
      for (const command of ['retry', 'gateway', 'replay', 'reconcile', 'dlq'])
        expect(out).toMatch(new RegExp(`\\n  ${command} `));
      expect(out).toContain('Exit status: 0 done, 1 refused or failed, 2 bad usage');
    },
  );

  it.each([
    [
      ['retry', '--help'],
      ['--failed', '--since <time>', '--until <time>', '--type <failureType>', '--limit <n>'],
    ],
    [
      ['gateway', '-h'],
      ['[state]', '--reason <text>'],
    ],
    [
      ['reconcile', '--help'],
      ['--stale', '--older-than <minutes>', '--limit <n>'],
    ],
    [
      ['replay', '--help'],
      ['--from <time|offset>', '--to <time>'],
    ],
    [
      ['dlq', 'replay', '--help'],
      ['<topic>', '--id <partition:offset>', '--value <json>', '--value-file <file>'],
    ],
  ])('%j explains the command and its options', async (argv, mentions) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    for (const m of mentions) expect(out).toContain(m);
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['retry'], /retry: expected an orderId, or --failed/],
    [
      ['retry', '--limit', '0', '--failed'],
      /--limit <n>' argument '0' is invalid. expected a whole number >= 1/,
    ],
    [['gateway', 'sideways'], /'sideways' is invalid for argument 'state'. Allowed choices are on, off/],
    [['replay'], /required option '--from <time\|offset>' not specified/],
    [['reconcile'], /reconcile: expected --stale/],
    [['replay', '--from', 'yesterday'], /'yesterday' is invalid. expected an ISO 8601 time/],
    [['dlq', 'replay', 'order-created', '--value', '{}'], /give its --id too/],
  ])('%j is bad usage: exit 2, saying what is wrong', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
