import type { Middleware } from 'koa';
import { z } from 'zod';
import { invalidRequest } from '../api-error';
import { readJsonBody } from '../request-body';
import type { MockSponsor } from '../sponsor';

// Assumed from the authorization.created data (shared/osigu/events): what a provider asks for.
const requestSchema = z.looseObject({
  beneficiary_id: z.string().min(1).max(255),
  sponsor_slug: z.string().min(1).max(255).default('sponsor-sandbox'),
  product_type: z.string().min(1).max(64).default('MEDICATION'),
  products: z
    .array(
      z.looseObject({
        product_code: z.string().min(1).max(64),
        quantity: z.number().int().positive(),
        posology: z.string().max(255).optional(),
      }),
    )
    .min(1)
    .max(100),
  sandbox_decision: z.enum(['APPROVE', 'REJECT']).optional(),
});

/** 201 with the request PENDING_SPONSOR; the sponsor's decision arrives later as an event. */
export function submitAuthorizationRequest(sponsor: MockSponsor): Middleware {
  return async (ctx) => {
    const parsed = requestSchema.safeParse(await readJsonBody(ctx));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    ctx.status = 201;
    ctx.body = sponsor.submit(parsed.data);
  };
}
