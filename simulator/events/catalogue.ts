import type { Cents } from './money';
import type { Random } from './random';

/**
 * The world the stories happen in: products, sponsors, pharmacies and people. Names are invented;
 * e-mail domains are the reserved example ones, so nothing generated can reach a real inbox.
 */
export interface Product {
  code: string;
  posology: string;
  unitPrice: Cents;
}

export const PRODUCTS: readonly Product[] = [
  { code: 'MED-042', posology: '1c/8h', unitPrice: 1250 },
  { code: 'MED-077', posology: '2c/12h', unitPrice: 845 },
  { code: 'MED-103', posology: '1c/24h', unitPrice: 3190 },
  { code: 'MED-118', posology: '5ml/8h', unitPrice: 6475 },
  { code: 'MED-205', posology: '1c/12h', unitPrice: 410 },
  { code: 'MED-311', posology: '1 inh/6h', unitPrice: 12800 },
  { code: 'MED-402', posology: '1c/8h', unitPrice: 275 },
  { code: 'MED-517', posology: '10 UI/24h', unitPrice: 21500 },
];

export const QUANTITIES = [7, 10, 14, 15, 20, 28, 30, 60, 90] as const;

export interface Sponsor {
  slug: string;
  currency: string;
}

/** Authorizations and dispensations happen with Guatemalan sponsors (GTQ). */
export const SPONSORS: readonly Sponsor[] = [
  { slug: 'sponsor-sandbox', currency: 'GTQ' },
  { slug: 'seguros-altiplano', currency: 'GTQ' },
  { slug: 'aseguradora-quetzal', currency: 'GTQ' },
];

/** Settlement batches are a Dominican Republic process (DOP). */
export const SETTLEMENT_SPONSORS: readonly Sponsor[] = [
  { slug: 'sponsor-sandbox-do', currency: 'DOP' },
  { slug: 'ars-caribe', currency: 'DOP' },
];

export const PHARMACIES = ['pharmacy-x', 'farmacia-central', 'farmacia-la-paz', 'botica-del-pueblo'] as const;

export const FIRST_NAMES = ['Ana', 'José', 'María', 'Luis', 'Lucía', 'Carlos', 'Sofía', 'Mateo', 'Valentina', 'Andrés'] as const;
export const LAST_NAMES = ['López', 'García', 'Pérez', 'Hernández', 'Morales', 'Castillo', 'Núñez', 'Ramírez'] as const;

export const DIAGNOSES = ['R51', 'J06.9', 'I10', 'E11.9', 'M54.5', 'K21.9', 'J45.909', 'N39.0'] as const;

export const REJECTION_REASONS = [
  "Product not covered by the beneficiary's plan",
  'Beneficiary not eligible on the service date',
  'Quantity exceeds the plan limit',
  'Duplicate request for the same period',
] as const;

export const SPONSOR_NOTES = [
  'Quantity reduced per plan limits',
  'Payment type changed to reimbursement',
  'Validity extended one month',
  'Generic substitution approved',
] as const;

export const VOID_REASONS = {
  PROVIDER: ['Issued in error', 'Patient changed treatment'],
  SPONSOR: ['Duplicate authorization', 'Coverage ended'],
  EXPIRY: ['Authorization expired unused'],
} as const;

export const DISPENSING_CANCEL_REASONS = ['TIMEOUT', 'PHARMACY_CANCELLED', 'OUT_OF_STOCK'] as const;

export const EMAIL_FAILURES = [
  'Mailbox does not exist (550 5.1.1)',
  'Mailbox full (452 4.2.2)',
  'Message refused as spam (554 5.7.1)',
] as const;

export const SETTLEMENT_REJECTIONS = [
  'Invoice NCF does not match sponsor records',
  'Batch submitted after the cut-off date',
  'Provider tax id does not match the contract',
] as const;

export const CLAIM_REJECTIONS = ['Missing signed invoice', 'Service outside coverage', 'Amount over the agreed tariff'] as const;

/** A digit string of exactly `length` characters, for human-facing codes like AUTH-2026-001234. */
export function digits(random: Random, length: number): string {
  return String(random.int(0, 10 ** length - 1)).padStart(length, '0');
}

/** "José Núñez" → "jose.nunez": e-mail local parts stay ASCII. */
export function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}
