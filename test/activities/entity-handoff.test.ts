import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import { refusedForGood } from '../../src/activities/entity-handoff';
import { HANDOFF_REJECTED } from '../../src/temporal/failure-types';

// A gRPC error as @grpc/grpc-js raises it: code, details and metadata.
const grpcError = (code: GrpcStatus, details: string): Error =>
  Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });

it('a request Temporal will never take as sent parks the event at once, naming only the status', () => {
  const refused = refusedForGood(grpcError(GrpcStatus.INVALID_ARGUMENT, 'WorkflowId length exceeds limit.'));
  expect(refused).toBeInstanceOf(ApplicationFailure);
  expect(refused).toMatchObject({ type: HANDOFF_REJECTED, nonRetryable: true, message: 'Temporal refused the hand-off (gRPC status 3)' });
  expect(refusedForGood(new Error('wrapped', { cause: grpcError(GrpcStatus.PERMISSION_DENIED, 'no') }))).toMatchObject({
    nonRetryable: true,
  });
});

it('an Update that met a failed entity workflow task is retried: the entity was continuing as new as events arrived', () => {
  // What Temporal answered in test/workflows/entity-lifecycle when thirty events raced a continue-as-new.
  const racing = grpcError(
    GrpcStatus.FAILED_PRECONDITION,
    'Update-with-Start could not be executed. Unable to perform workflow execution update due to unexpected workflow task failure.',
  );
  expect(refusedForGood(racing)).toBeUndefined();
  expect(refusedForGood(new Error('wrapped', { cause: racing }))).toBeUndefined();
  expect(refusedForGood(grpcError(GrpcStatus.UNAVAILABLE, 'connection reset'))).toBeUndefined();
});
