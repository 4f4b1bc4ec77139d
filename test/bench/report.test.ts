import type { StepResult } from '../../bench/results';
import { sustainedRate } from '../../bench/report';

/** The fields sustainedRate reads; the rest of a step does not matter to it. */
const step = (load: StepResult['load'], keptUp: boolean, caughtUpSeconds?: number | null): StepResult =>
  ({ load, keptUp, ...(caughtUpSeconds === undefined ? {} : { caughtUpSeconds }) }) as StepResult;

describe('the sustained rate', () => {
  it('is the highest fixed rate that kept up and whose follow-up caught up', () => {
    expect(
      sustainedRate([
        step({ kind: 'rate', rate: 25 }, true, 1.5),
        step({ kind: 'rate', rate: 50 }, true, 12),
        step({ kind: 'rate', rate: 100 }, true, null),
        step({ kind: 'closed', connections: 16 }, true),
      ]),
    ).toEqual({ rate: 50, measured: true });
  });

  it('does not count a rate whose acknowledgements fell behind, even if the follow-up caught up', () => {
    expect(sustainedRate([step({ kind: 'rate', rate: 25 }, true, 0.5), step({ kind: 'rate', rate: 50 }, false, 2)])).toEqual({
      rate: 25,
      measured: true,
    });
  });

  it('says when no rate was sustained, and when it was not measured at all (no worker)', () => {
    expect(sustainedRate([step({ kind: 'rate', rate: 25 }, true, null)])).toEqual({ rate: null, measured: true });
    expect(sustainedRate([step({ kind: 'rate', rate: 25 }, true)])).toEqual({ rate: null, measured: false });
  });
});
