import { DISPENSING_CANCEL_REASONS, PHARMACIES, PRODUCTS, QUANTITIES, SPONSORS, digits, type Product, type Sponsor } from './catalogue';
import { seededId } from './ids';
import { sumCents, toAmount } from './money';
import { defineStory } from './story';
import { isoSeconds } from './story-clock';

interface DispensingState {
  dispensationId: string;
  code: string;
  codeType: 'AUTHORIZATION' | 'PRESCRIPTION';
  /** The authorization or prescription the pharmacy redeems. */
  referenceId: string;
  beneficiaryId: string;
  sponsor: Sponsor;
  pharmacy: { provider_slug: string; branch_id: string };
  lines: { product: Product; quantity: number }[];
  claimId: string;
}

/** A pharmacy redeems an authorization or a prescription: started, then completed or cancelled. */
export const dispensingStory = defineStory<DispensingState, 'dispensing.started' | 'dispensing.completed' | 'dispensing.cancelled'>({
  shapes: [
    ['dispensing.started', 'dispensing.completed'],
    ['dispensing.started', 'dispensing.cancelled'],
  ],
  begin(random, startMs) {
    const year = new Date(startMs).getUTCFullYear();
    const codeType = random.chance(0.7) ? 'AUTHORIZATION' : 'PRESCRIPTION';
    const issuedMs = startMs - random.int(1, 20) * 86_400_000;
    return {
      dispensationId: seededId(random, 'dispensation', startMs),
      code: codeType === 'AUTHORIZATION' ? `AUTH-${year}-${digits(random, 6)}` : `RX-${year}-${digits(random, 4)}`,
      codeType,
      referenceId: seededId(random, codeType === 'AUTHORIZATION' ? 'authorization' : 'prescription', issuedMs),
      beneficiaryId: seededId(random, 'beneficiary', issuedMs - random.int(30, 900) * 86_400_000),
      sponsor: random.pick(SPONSORS),
      pharmacy: { provider_slug: random.pick(PHARMACIES), branch_id: seededId(random, 'branch', issuedMs - 400 * 86_400_000) },
      lines: random
        .shuffle(PRODUCTS)
        .slice(0, random.int(1, 3))
        .map((product) => ({ product, quantity: random.pick(QUANTITIES) })),
      claimId: seededId(random, 'claim', startMs),
    };
  },
  steps: {
    'dispensing.started': {
      gapSeconds: [0, 0],
      data: (s, at) => ({
        dispensation_id: s.dispensationId,
        code: s.code,
        code_type: s.codeType,
        beneficiary_id: s.beneficiaryId,
        sponsor_slug: s.sponsor.slug,
        pharmacy: s.pharmacy,
        products: s.lines.map(({ product, quantity }) => ({ product_code: product.code, quantity })),
        started_at: isoSeconds(at),
      }),
    },
    'dispensing.completed': {
      gapSeconds: [60, 1_800],
      data: (s, at) => {
        const byAuthorization = s.codeType === 'AUTHORIZATION';
        return {
          dispensation_id: s.dispensationId,
          code: s.code,
          code_type: s.codeType,
          authorization_id: byAuthorization ? s.referenceId : null,
          prescription_id: byAuthorization ? null : s.referenceId,
          beneficiary_id: s.beneficiaryId,
          sponsor_slug: s.sponsor.slug,
          pharmacy: s.pharmacy,
          products: s.lines.map(({ product, quantity }) => ({
            product_code: product.code,
            quantity,
            unit_price: toAmount(product.unitPrice),
          })),
          total_amount: toAmount(sumCents(s.lines.map(({ product, quantity }) => product.unitPrice * quantity))),
          currency_code: s.sponsor.currency,
          // Osigu files a claim only for what an authorization covered.
          claim_id: byAuthorization ? s.claimId : null,
          completed_at: isoSeconds(at),
        };
      },
    },
    'dispensing.cancelled': {
      gapSeconds: [300, 3_600],
      data: (s, at, random) => ({
        dispensation_id: s.dispensationId,
        code: s.code,
        code_type: s.codeType,
        beneficiary_id: s.beneficiaryId,
        pharmacy: s.pharmacy,
        reason: random.pick(DISPENSING_CANCEL_REASONS),
        cancelled_at: isoSeconds(at),
      }),
    },
  },
});
