/** Kinds of personal data the scanner recognises in column names and sample values. */
export type PiiKind =
  | 'EMAIL'
  | 'PHONE'
  | 'IBAN'
  | 'CARD_NUMBER'
  | 'NATIONAL_ID'
  | 'IP_ADDRESS'
  | 'PERSONAL_NAME_OR_ADDRESS';

const EMAIL = /^[A-Z0-9._%+-]+@[A-Z0-9-]+(\.[A-Z0-9-]+)*\.[A-Z]{2,}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^(?=.*:)[0-9a-f:]{2,39}$/i;
/** US Social Security number (not 000, 666 or 9xx area), UK National Insurance number, Spanish DNI. */
const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const NINO = /^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/i;
const DNI = /^(\d{8})([A-Z])$/i;
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Luhn checksum (ISO/IEC 7812-1), which every payment card number satisfies. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** IBAN check digits (ISO 13616 / ISO 7064 MOD 97-10). */
function ibanValid(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** The kind of personal data one sample value is, if it is one. */
export function detectPiiValue(raw: string): PiiKind | null {
  const value = raw.trim();
  if (!value) return null;
  if (EMAIL.test(value)) return 'EMAIL';
  if (IPV4.test(value) || (IPV6.test(value) && value.split(':').length >= 3)) return 'IP_ADDRESS';
  const compact = value.replace(/[\s-]/g, '').toUpperCase();
  if (ibanValid(compact)) return 'IBAN';
  if (SSN.test(value) || NINO.test(compact)) return 'NATIONAL_ID';
  const dni = DNI.exec(compact);
  if (dni && DNI_LETTERS[Number(dni[1]) % 23] === dni[2]) return 'NATIONAL_ID';
  const digits = value.replace(/[\s-]/g, '');
  if (/^\d{13,19}$/.test(digits) && luhn(digits)) return 'CARD_NUMBER';
  // Dates (2026-11-26, 26.11.2026, 11/26/2026) have phone-like digit counts; they are not contact data.
  if (/^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$/.test(value)) return null;
  // E.164: up to 15 digits with an optional +; formatting characters allowed around them.
  if (/^\+?[\d\s().-]{8,20}$/.test(value)) {
    const count = value.replace(/\D/g, '').length;
    if (count >= 8 && count <= 15 && (value.startsWith('+') || /[\s().-]/.test(value)))
      return 'PHONE';
  }
  return null;
}

const COLUMN_HINTS: [RegExp, PiiKind][] = [
  [/e_?-?mail/i, 'EMAIL'],
  [/(phone|mobile|msisdn|tel(ephone)?$)/i, 'PHONE'],
  [/iban|bank_?account/i, 'IBAN'],
  [/(card_?(number|no|num)|pan$|credit_?card)/i, 'CARD_NUMBER'],
  [/(ssn|social_?security|national_?id|nino|passport|tax_?id|dni|nif)/i, 'NATIONAL_ID'],
  [/(^ip$|ip_?addr|client_?ip|remote_?addr)/i, 'IP_ADDRESS'],
  [
    /(first_?name|last_?name|full_?name|surname|street|postcode|zip_?code|date_?of_?birth|^dob$)/i,
    'PERSONAL_NAME_OR_ADDRESS',
  ],
];

/** The kind of personal data a column's name suggests, if any. */
export function detectPiiColumnName(name: string): PiiKind | null {
  for (const [pattern, kind] of COLUMN_HINTS) if (pattern.test(name)) return kind;
  return null;
}

export interface PiiHit {
  column: string;
  kind: PiiKind;
  /** NAME when the column's name gave it away, VALUE when a sample value did. */
  source: 'NAME' | 'VALUE';
}

/** Every column that looks like personal data, by name or by any of its sample values. */
export function scanColumns(
  columns: readonly { name: string; sampleValues: readonly string[] }[],
): PiiHit[] {
  const hits: PiiHit[] = [];
  for (const column of columns) {
    const byName = detectPiiColumnName(column.name);
    if (byName) hits.push({ column: column.name, kind: byName, source: 'NAME' });
    const kinds = new Set(
      column.sampleValues.map(detectPiiValue).filter((kind): kind is PiiKind => kind !== null),
    );
    for (const kind of kinds) {
      if (kind !== byName) hits.push({ column: column.name, kind, source: 'VALUE' });
    }
  }
  return hits;
}
