import { ServiceError } from '@temporalio/client';
import { PayloadConverterError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { classifyStartFailure } from '../../../../core/temporal/start-failures';

/** The shape @grpc/grpc-js gives a failed call, which the Temporal client wraps in a ServiceError. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

describe('classifyStartFailure', () => {
  it('counts an existing run (running or closed under REJECT_DUPLICATE) as already started', () => {
    const err = new WorkflowExecutionAlreadyStartedError(
      'Workflow execution already started',
      'order-1',
      'processOrder',
    );
    expect(classifyStartFailure(err)).toBe('already-started');
  });

  it.each([
    [
      'server unavailable',
      new ServiceError('Failed to start Workflow', { cause: grpcError(UNAVAILABLE, 'connect ECONNREFUSED') }),
    ],
    [
      'deadline exceeded',
      new ServiceError('Failed to start Workflow', {
        cause: grpcError(DEADLINE_EXCEEDED, 'Deadline exceeded'),
      }),
    ],
    [
      'throttled',
      new ServiceError('Failed to start Workflow', {
        cause: grpcError(RESOURCE_EXHAUSTED, 'namespace rate limit'),
      }),
    ],
  ])('waits out %s without limit (Temporal unavailable)', (_name, err) => {
    expect(classifyStartFailure(err)).toBe('unavailable');
  });

  it.each([
    ['a bare network error', new Error('socket hang up')],
    ['a thrown non-error', 'boom'],
  ])('waits out %s like an outage: nothing says the request itself is wrong', (_name, err) => {
    expect(classifyStartFailure(err)).toBe('unavailable');
  });

  it.each([
    [
      'a request the server rejects as invalid',
      new ServiceError('Failed to start Workflow', { cause: grpcError(INVALID_ARGUMENT, 'memo too large') }),
    ],
    [
      'an input the payload converter cannot encode',
      new PayloadConverterError('Unable to convert BigInt to payload'),
    ],
  ])('gives up at once on %s', (_name, err) => {
    expect(classifyStartFailure(err)).toBe('permanent');
  });
});
