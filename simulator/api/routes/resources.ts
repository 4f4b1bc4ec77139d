import type { RouterMiddleware } from '@koa/router';
import { notFound } from '../api-error';
import type { Resource } from '../resource-table';

/** `GET …/{id}` of one resource kind: the current state, or 404 `{error: "not_found"}`. */
export function resourceLookup(what: string, lookup: (id: string) => Resource | undefined): RouterMiddleware {
  return (ctx) => {
    const resource = lookup(ctx.params.id ?? '');
    if (resource === undefined) throw notFound(what);
    ctx.body = resource;
  };
}
