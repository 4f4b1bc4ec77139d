import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { ApiError, invalidRequest } from './api-error';

// Every body this API takes is a few hundred bytes; anything near this is a client bug.
const LIMIT_BYTES = 64 * 1024;

async function readText(ctx: Context): Promise<string> {
  try {
    return await getRawBody(ctx.req, { limit: LIMIT_BYTES, encoding: 'utf8' });
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') throw new ApiError(413, 'body_too_large', `The body is over ${LIMIT_BYTES} bytes.`);
    throw new ApiError(400, 'body_incomplete', 'The body could not be read.');
  }
}

export async function readJsonBody(ctx: Context): Promise<unknown> {
  const text = await readText(ctx);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('The body is not valid JSON.');
  }
}

/** `application/x-www-form-urlencoded`, as OAuth 2.0's token endpoint takes it. */
export async function readFormBody(ctx: Context): Promise<URLSearchParams> {
  return new URLSearchParams(await readText(ctx));
}
