import {
  PRODUCTS,
  QUANTITIES,
  REJECTION_REASONS,
  SPONSOR_NOTES,
  SPONSORS,
  VOID_REASONS,
  digits,
  type Product,
  type Sponsor,
} from './catalogue';
import { seededId } from './ids';
import { defineStory } from './story';
import { isoSeconds, midnightAfter } from './story-clock';

interface AuthorizationState {
  authorizationId: string;
  authorizationCode: string;
  requestId: string;
  beneficiaryId: string;
  sponsor: Sponsor;
  sponsorReference: string;
  startMs: number;
  lines: { product: Product; quantity: number }[];
}

type AuthorizationEventType = 'authorization.created' | 'authorization.updated' | 'authorization.voided' | 'authorization.rejected';

/** A request the sponsor approved (then perhaps changed, perhaps voided), or one it denied. */
export const authorizationStory = defineStory<AuthorizationState, AuthorizationEventType>({
  shapes: [
    ['authorization.created'],
    ['authorization.created', 'authorization.updated'],
    ['authorization.created', 'authorization.voided'],
    ['authorization.created', 'authorization.updated', 'authorization.voided'],
    ['authorization.rejected'],
  ],
  begin(random, startMs) {
    const year = new Date(startMs).getUTCFullYear();
    const products = random.shuffle(PRODUCTS).slice(0, random.int(1, 3));
    return {
      authorizationId: seededId(random, 'authorization', startMs),
      authorizationCode: `AUTH-${year}-${digits(random, 6)}`,
      // The request came first: a few minutes to an hour before the sponsor decided.
      requestId: seededId(random, 'authorizationRequest', startMs - random.int(120, 3600) * 1000),
      beneficiaryId: seededId(random, 'beneficiary', startMs - random.int(30, 900) * 86_400_000),
      sponsor: random.pick(SPONSORS),
      sponsorReference: `SPX-${year}-${digits(random, 4)}`,
      startMs,
      lines: products.map((product) => ({ product, quantity: random.pick(QUANTITIES) })),
    };
  },
  steps: {
    'authorization.created': {
      gapSeconds: [0, 0],
      data: (s) => ({
        authorization_id: s.authorizationId,
        authorization_code: s.authorizationCode,
        authorization_request_id: s.requestId,
        beneficiary_id: s.beneficiaryId,
        sponsor_slug: s.sponsor.slug,
        product_type: 'MEDICATION',
        products: s.lines.map(({ product, quantity }) => ({ product_code: product.code, quantity, posology: product.posology })),
        expires_at: midnightAfter(s.startMs, 30),
        sponsor_reference: s.sponsorReference,
        additional_data: {},
      }),
    },
    'authorization.updated': {
      gapSeconds: [600, 86_400],
      data: (s, _at, random) => ({
        authorization_id: s.authorizationId,
        authorization_code: s.authorizationCode,
        authorization_request_id: s.requestId,
        sponsor_slug: s.sponsor.slug,
        payment_type: random.pick(['DIRECT_PAYMENT', 'REIMBURSEMENT'] as const),
        products: s.lines.map(({ product, quantity }) => ({
          product_code: product.code,
          quantity,
          authorized_quantity: random.int(Math.ceil(quantity / 2), quantity),
          posology: product.posology,
          status: 'APPROVED',
        })),
        expires_at: midnightAfter(s.startMs, 60),
        sponsor_notes: random.pick(SPONSOR_NOTES),
      }),
    },
    'authorization.voided': {
      gapSeconds: [3_600, 7 * 86_400],
      data: (s, at, random) => {
        const voidedBy = random.pick(['PROVIDER', 'SPONSOR', 'EXPIRY'] as const);
        return {
          authorization_id: s.authorizationId,
          authorization_code: s.authorizationCode,
          authorization_request_id: s.requestId,
          sponsor_slug: s.sponsor.slug,
          voided_by: voidedBy,
          reason: random.pick(VOID_REASONS[voidedBy]),
          voided_at: isoSeconds(at),
        };
      },
    },
    'authorization.rejected': {
      gapSeconds: [0, 0],
      data: (s, _at, random) => ({
        authorization_request_id: s.requestId,
        beneficiary_id: s.beneficiaryId,
        sponsor_slug: s.sponsor.slug,
        product_type: 'MEDICATION',
        products: s.lines.map(({ product, quantity }) => ({ product_code: product.code, quantity, posology: product.posology })),
        rejection_reason: random.pick(REJECTION_REASONS),
        sponsor_reference: s.sponsorReference,
      }),
    },
  },
});
