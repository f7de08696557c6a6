/**
 * Runs a command-line program in-process and returns what it wrote: stdout and console.log as `out`, stderr and
 * console.error as `err`. Everything is restored afterwards, even when the program throws.
 */
export async function capturedOutput<T>(
  run: () => Promise<T>,
): Promise<{ result: T; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = (append: (text: string) => void) => (chunk: unknown) => {
    append(String(chunk));
    return true;
  };
  const line = (append: (text: string) => void) => (text: unknown) => append(`${String(text)}\n`);
  const toOut = (text: string) => (out += text);
  const toErr = (text: string) => (err += text);
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(write(toOut)),
    jest.spyOn(process.stderr, 'write').mockImplementation(write(toErr)),
    jest.spyOn(console, 'log').mockImplementation(line(toOut)),
    jest.spyOn(console, 'error').mockImplementation(line(toErr)),
  ];
  try {
    const result = await run();
    return { result, out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
