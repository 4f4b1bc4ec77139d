import { defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { dataConverterFor } from '../../../src/temporal/codec/settings';

describe('the failure converter every process loads', () => {
  it('moves the message and the stack trace into an encoded payload (which the codec encrypts)', () => {
    const { failureConverter } = loadDataConverter(dataConverterFor(undefined));
    const failure = failureConverter.errorToFailure(new Error('invalid header value "dispensation:Ana Lopez"'), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(failure.encodedAttributes?.data).toBeDefined();
    expect(JSON.stringify(failure)).not.toContain('Ana Lopez');
  });
});
