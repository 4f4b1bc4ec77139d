import { SimulatorError } from '../events/simulator-error';

// A scenario file is data from anywhere: these would reach Object.prototype.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Sets `value` at a dotted path (`data.products.0.quantity`) inside `target`, in place. Numeric
 * segments index arrays; missing objects on the way are created.
 */
export function setField(target: Record<string, unknown>, dottedPath: string, value: unknown): void {
  const segments = dottedPath.split('.');
  if (segments.some((segment) => segment === '' || FORBIDDEN.has(segment))) {
    throw new SimulatorError('invalid_set_path', `cannot set "${dottedPath}"`);
  }
  let node: unknown = target;
  for (const [index, segment] of segments.entries()) {
    if (typeof node !== 'object' || node === null) {
      throw new SimulatorError('invalid_set_path', `"${dottedPath}": ${segments.slice(0, index).join('.')} is not an object`);
    }
    const container = node as Record<string, unknown>;
    if (index === segments.length - 1) {
      container[segment] = value;
      return;
    }
    container[segment] ??= {};
    node = container[segment];
  }
}
