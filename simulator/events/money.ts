/**
 * Amounts are computed in integer cents and only turned into JSON numbers at the end, so that
 * `total_amount` is exactly the sum of `quantity × unit_price` a receiver would compute.
 */
export type Cents = number;

export function toAmount(cents: Cents): number {
  return cents / 100;
}

export function sumCents(values: readonly Cents[]): Cents {
  return values.reduce((total, value) => total + value, 0);
}
