import { createRandom } from '../../../simulator/events/random';
import {
  attemptOffsetsSeconds,
  OSIGU_RETRY_SCHEDULE,
  planAttempts,
  toRealMs,
  type RetrySchedule,
} from '../../../simulator/delivery/retry-schedule';
import { thrownBy } from '../events/thrown';

const HOUR = 3600;

describe("Osigu's retry schedule", () => {
  it('retries after 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, then every 4 h, and stops at 72 h', () => {
    // Worked out by hand: each value is the previous one plus the next gap.
    expect(attemptOffsetsSeconds()).toEqual([
      0, 60, 360, 1_260, 3_060, 6_660, 13_860, 28_260, 42_660, 57_060, 71_460, 85_860, 100_260, 114_660, 129_060, 143_460, 157_860, 172_260,
      186_660, 201_060, 215_460, 229_860, 244_260, 258_660,
    ]);
    // The next one would be at 273 060 s, past 72 h (259 200 s): the event is abandoned instead.
    expect(attemptOffsetsSeconds()).toHaveLength(24);
  });

  it('makes an attempt that falls exactly on the horizon, and none after it', () => {
    const schedule: RetrySchedule = { delaysSeconds: [10, 20], horizonSeconds: 90, jitter: 0 };
    expect(attemptOffsetsSeconds(schedule)).toEqual([0, 10, 30, 50, 70, 90]);
    expect(attemptOffsetsSeconds({ ...schedule, horizonSeconds: 89 })).toEqual([0, 10, 30, 50, 70]);
    expect(attemptOffsetsSeconds({ ...schedule, horizonSeconds: 0 })).toEqual([0]);
  });

  it('runs in compressed time: with a time scale of 3600 an hour of schedule passes in one second', () => {
    expect(toRealMs([0, 60, 360, HOUR], 3600)).toEqual([0, 1000 / 60, 100, 1000]);
    const plan = planAttempts(OSIGU_RETRY_SCHEDULE, 3600);
    expect(plan).toEqual(attemptOffsetsSeconds().map((seconds) => (seconds * 1000) / 3600));
    expect(plan[plan.length - 1]).toBeLessThanOrEqual(72_000);
    expect(planAttempts()).toEqual(attemptOffsetsSeconds().map((seconds) => seconds * 1000));
  });

  it('varies each gap by at most the jitter, the same way for the same seed', () => {
    const schedule: RetrySchedule = { ...OSIGU_RETRY_SCHEDULE, jitter: 0.1 };
    const jittered = attemptOffsetsSeconds(schedule, createRandom(11));
    expect(attemptOffsetsSeconds(schedule, createRandom(11))).toEqual(jittered);
    expect(attemptOffsetsSeconds(schedule, createRandom(12))).not.toEqual(jittered);

    const exact = [60, 300, 900, 1_800, 3_600, 7_200, ...Array<number>(40).fill(14_400)];
    jittered.slice(1).forEach((offset, index) => {
      const gap = offset - (jittered[index] as number);
      expect(gap).toBeGreaterThanOrEqual((exact[index] as number) * 0.9);
      expect(gap).toBeLessThanOrEqual((exact[index] as number) * 1.1);
    });
    expect(jittered[jittered.length - 1]).toBeLessThanOrEqual(72 * HOUR);
  });

  it('refuses a schedule it cannot follow', () => {
    const codeOf = (action: () => unknown) => thrownBy(action).code;
    expect(codeOf(() => attemptOffsetsSeconds({ ...OSIGU_RETRY_SCHEDULE, jitter: 0.1 }))).toBe('invalid_schedule');
    expect(codeOf(() => attemptOffsetsSeconds({ ...OSIGU_RETRY_SCHEDULE, delaysSeconds: [] }))).toBe('invalid_schedule');
    expect(codeOf(() => attemptOffsetsSeconds({ ...OSIGU_RETRY_SCHEDULE, delaysSeconds: [60, 0] }))).toBe('invalid_schedule');
    expect(codeOf(() => attemptOffsetsSeconds({ ...OSIGU_RETRY_SCHEDULE, jitter: 1 }, createRandom(1)))).toBe('invalid_schedule');
    expect(codeOf(() => toRealMs([0], 0))).toBe('invalid_time_scale');
  });
});
