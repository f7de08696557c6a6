import path from 'node:path';
import { ownerOf, summariseProfile } from '../../../../tools/bench/cpu-profile';

const ROOT = path.resolve(__dirname, '../../../..');
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('ownerOf', () => {
  it.each([
    [frame('(garbage collector)'), 'V8 garbage collector'],
    [frame('(program)'), 'V8 and native code'],
    [frame('writeBuffer'), 'native builtins'],
    [frame('emit', 'node:events'), 'Node internals'],
    [frame('send', `file://${ROOT}/node_modules/kafkajs/src/producer/index.js`), 'kafkajs'],
    [frame('run', `${ROOT}/node_modules/@temporalio/worker/lib/worker.js`), '@temporalio/worker'],
    [frame('x', `${ROOT}/node_modules/a/node_modules/@grpc/grpc-js/build/src/call.js`), '@grpc/grpc-js'],
    [frame('createOrder', `file://${ROOT}/api/routes/create-order.ts`), 'project api/'],
    [frame('processOrder', `${ROOT}/workflow-bundle-adb3d0e355d6.js`), 'workflow bundle'],
    [frame('__TEMPORAL_CALL_INTO_SCOPE', 'evalmachine.<anonymous>'), 'workflow sandbox'],
  ])('%o belongs to %s', (f, owner) => {
    expect(ownerOf(f)).toBe(owner);
  });
});

describe('summariseProfile', () => {
  // Samples 1 ms apart from t=1000 µs: a, a, b, idle, a, then GC late, outside the window.
  const profile = {
    startTime: 0,
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('a', 'node:events', 9) },
      { id: 3, callFrame: frame('b', `${ROOT}/node_modules/mongodb/lib/x.js`, 4) },
      { id: 4, callFrame: frame('(idle)') },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    samples: [2, 2, 3, 4, 2, 5],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 10_000],
  };

  it('counts busy time by owner and by function, idle left out', () => {
    const s = summariseProfile('api', profile);
    expect(s.busyMs).toBe(14);
    expect(s.owners).toEqual([
      { owner: 'V8 garbage collector', pct: 71.4 },
      { owner: 'Node internals', pct: 21.4 },
      { owner: 'mongodb', pct: 7.1 },
    ]);
    expect(s.functions[1]).toEqual({ fn: 'a node:events:10 [Node internals]', pct: 21.4 });
  });

  it('counts only samples inside the window', () => {
    const s = summariseProfile('api', profile, { fromUs: 1500, toUs: 5000 });
    expect(s.busyMs).toBe(3);
    expect(s.owners).toEqual([
      { owner: 'Node internals', pct: 66.7 },
      { owner: 'mongodb', pct: 33.3 },
    ]);
  });
});
