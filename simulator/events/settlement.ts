import { CLAIM_REJECTIONS, SETTLEMENT_REJECTIONS, SETTLEMENT_SPONSORS, digits, type Sponsor } from './catalogue';
import { seededId } from './ids';
import { sumCents, toAmount, type Cents } from './money';
import { defineStory } from './story';
import { isoSeconds } from './story-clock';

interface Claim {
  claimId: string;
  authorizationId: string;
  amount: Cents;
  accepted: boolean;
}

interface SettlementState {
  settlementId: string;
  sponsor: Sponsor;
  period: string;
  claims: Claim[];
}

const common = (s: SettlementState) => ({
  settlement_id: s.settlementId,
  sponsor_slug: s.sponsor.slug,
  period: s.period,
});

const total = (claims: readonly Claim[]): number => toAmount(sumCents(claims.map((claim) => claim.amount)));

/**
 * A monthly batch of claims, decided once: paid, rejected, or accepted claim by claim. The claims
 * exist in every outcome, so every total is their sum; only a partial acceptance lists them.
 */
export const settlementStory = defineStory<SettlementState, 'settlement.paid' | 'settlement.rejected' | 'settlement.partially_accepted'>({
  shapes: [['settlement.paid'], ['settlement.rejected'], ['settlement.partially_accepted']],
  begin(random, startMs) {
    const periodEnd = new Date(startMs);
    periodEnd.setUTCDate(0); // last day of the previous month: the batch settles a closed month
    const monthMs = periodEnd.getTime();
    const decisions = random.shuffle([true, false, ...Array.from({ length: random.int(0, 4) }, () => random.chance(0.7))]);
    return {
      settlementId: seededId(random, 'settlement', startMs),
      sponsor: random.pick(SETTLEMENT_SPONSORS),
      period: periodEnd.toISOString().slice(0, 7),
      claims: decisions.map((accepted) => ({
        claimId: seededId(random, 'claim', monthMs - random.int(0, 27) * 86_400_000),
        authorizationId: seededId(random, 'authorization', monthMs - random.int(28, 60) * 86_400_000),
        amount: random.int(500, 9_000) * 100 + random.pick([0, 50]),
        accepted,
      })),
    };
  },
  steps: {
    'settlement.paid': {
      gapSeconds: [0, 0],
      data: (s, at, random) => ({
        ...common(s),
        status: 'ACCEPTED',
        currency_code: s.sponsor.currency,
        total_amount: total(s.claims),
        paid_amount: total(s.claims),
        payment_reference: `PAY-${new Date(at).getUTCFullYear()}-${digits(random, 5)}`,
        paid_at: isoSeconds(at),
      }),
    },
    'settlement.rejected': {
      gapSeconds: [0, 0],
      data: (s, _at, random) => ({
        ...common(s),
        status: 'REJECTED',
        currency_code: s.sponsor.currency,
        total_amount: total(s.claims),
        rejection_reason: random.pick(SETTLEMENT_REJECTIONS),
      }),
    },
    'settlement.partially_accepted': {
      gapSeconds: [0, 0],
      data: (s, _at, random) => ({
        ...common(s),
        status: 'PARTIALLY_ACCEPTED',
        currency_code: s.sponsor.currency,
        total_amount: total(s.claims),
        accepted_amount: total(s.claims.filter((claim) => claim.accepted)),
        claims: s.claims.map((claim) => ({
          claim_id: claim.claimId,
          authorization_id: claim.authorizationId,
          status: claim.accepted ? 'ACCEPTED' : 'REJECTED',
          amount: toAmount(claim.amount),
          ...(claim.accepted ? {} : { rejection_reason: random.pick(CLAIM_REJECTIONS) }),
        })),
      }),
    },
  },
});
