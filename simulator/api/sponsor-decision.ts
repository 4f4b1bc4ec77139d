import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { Resource } from './resource-table';

export type SponsorDecision = { outcome: 'APPROVED' } | { outcome: 'REJECTED'; reason: string };

/** Decides a submitted authorization request (the body as posted). */
export type SponsorRule = (request: Resource) => SponsorDecision;

export const DEFAULT_REJECTION_REASON = "Product not covered by the beneficiary's plan";

/**
 * A request may name its own fate with `sandbox_decision: "APPROVE" | "REJECT"` (a field of this
 * stand-in, not of Osigu), so a test gets the branch it needs; the others are drawn from a seeded
 * generator, so a run with the same seed and the same requests makes the same decisions.
 */
export function seededSponsorRule({ seed = 1, rejectRatio = 0.2 }: { seed?: number; rejectRatio?: number } = {}): SponsorRule {
  const rng = xoroshiro128plus(seed);
  return (request) => {
    if (request.sandbox_decision === 'APPROVE') return { outcome: 'APPROVED' };
    if (request.sandbox_decision === 'REJECT') return { outcome: 'REJECTED', reason: DEFAULT_REJECTION_REASON };
    return unsafeUniformIntDistribution(0, 9_999, rng) < rejectRatio * 10_000
      ? { outcome: 'REJECTED', reason: DEFAULT_REJECTION_REASON }
      : { outcome: 'APPROVED' };
  };
}
