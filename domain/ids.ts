// Identifiers of Art. 10: unified social credit codes (GB 32100-2015) and the numbers of the identity documents
// (身份证件号码) a natural person may hold: the resident ID card (GB 11643-1999), the residence permit of Hong
// Kong, Macao and Taiwan residents (GB 11643 form) and the foreigner's permanent residence ID card.
// Each check names the rule a number breaks, so a refusal can say which (format, code, date, check character).
import type { RuleViolation } from './errors';

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * GB 32100 registration authorities (登记管理部门, the first character) and the organisation types (机构类别,
 * the second) each registers: the 2015 table (1 机构编制, 5 民政, 9 工商, Y 其他) and the codes assigned
 * to further registration authorities since.
 */
const USCC_TYPES: Record<string, string> = {
  '1': '1239',
  '2': '19',
  '3': '123459',
  '4': '19',
  '5': '1239',
  '6': '129',
  '7': '1239',
  '8': '19',
  '9': '123',
  A: '19',
  N: '12349',
  Y: '1',
};

const idViolation = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, detail });

/** Why `code` is no unified social credit code (GB 32100-2015), naming the rule it breaks, or null. */
export function usccViolation(code: string, field = 'uscc'): RuleViolation | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code))
    return idViolation(
      field,
      'format',
      'A unified social credit code is 18 characters: digits and capital letters other than I, O, Z, S and V, the 3rd to 8th a division code (GB 32100)',
    );
  const types = USCC_TYPES[code[0]];
  if (!types) return idViolation(field, 'registration authority', `${code[0]} is no registration authority's code (GB 32100, 1st character)`);
  if (!types.includes(code[1]))
    return idViolation(field, 'organisation type', `${code[1]} is no organisation type that authority ${code[0]} registers (GB 32100, 2nd character)`);
  if (usccWithCheck(code.slice(0, 17)) !== code) return idViolation(field, 'check character', 'The check character (18th) does not match the code (GB 32100)');
  return null;
}

export function isValidUscc(code: string): boolean {
  return usccViolation(code) === null;
}

/** Completes the first 17 characters of a USCC with its check character. */
export function usccWithCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return first17 + USCC_CHARS[(31 - (sum % 31)) % 31];
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB/T 2260 province-level codes (the first two digits of a division code). */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);

/** The check digit (ISO 7064 MOD 11-2) of a resident ID number's first 17 digits. */
export function residentIdCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

/**
 * Why `id` is no citizen's resident ID number (GB 11643-1999), naming the rule it breaks, or null: 18
 * characters, a plausible division of registration (a province, and a county or district within it), a
 * birth date that exists and is not after `today`, and the check digit.
 */
export function residentIdViolation(id: string, today: Date = new Date(), field = 'idNumber'): RuleViolation | null {
  if (!/^\d{17}[\dX]$/.test(id))
    return idViolation(field, 'format', 'A resident ID number is 18 characters: 17 digits and a check digit (0–9 or X) (GB 11643)');
  if (!PROVINCES.has(id.slice(0, 2)) || id.slice(2, 6) === '0000')
    return idViolation(field, 'division code', `${id.slice(0, 6)} is no division of registration (GB 11643, GB/T 2260)`);
  if (!realBirthDate(Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14)), today))
    return idViolation(field, 'birth date', `${id.slice(6, 14)} is no birth date: a real day, not after today (GB 11643)`);
  if (residentIdCheck(id.slice(0, 17)) !== id[17]) return idViolation(field, 'check digit', 'The check digit (18th) does not match the number (GB 11643)');
  return null;
}

export function isValidResidentId(id: string, today?: Date): boolean {
  return residentIdViolation(id, today) === null;
}

/** Art. 29: identity document numbers never leave the system in full; every document's alike. */
export function maskResidentId(id: string): string {
  return id.length < 8 ? '****' : `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;
}

export const maskIdentityDocument = maskResidentId;

/**
 * The identity documents whose numbers Art. 10 ¶2 (身份证件号码) takes: 居民身份证, 港澳台居民居住证 and
 * 外国人永久居留身份证. Each is checked by its own rule.
 */
export const IDENTITY_DOCUMENT_TYPES = ['resident', 'hmt_residence_permit', 'foreign_permanent_residence'] as const;
export type IdentityDocumentType = (typeof IDENTITY_DOCUMENT_TYPES)[number];

export const IDENTITY_DOCUMENT_LABELS: Record<IdentityDocumentType, string> = {
  resident: '居民身份证',
  hmt_residence_permit: '港澳台居民居住证',
  foreign_permanent_residence: '外国人永久居留身份证',
};

/** A birth date that exists, is not before 1800 and not after `today`. */
function realBirthDate(y: number, m: number, d: number, today: Date): boolean {
  const born = new Date(Date.UTC(y, m - 1, d));
  const real = y >= 1800 && born.getUTCFullYear() === y && born.getUTCMonth() === m - 1 && born.getUTCDate() === d;
  return real && born.getTime() <= Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
}

/**
 * The divisions a residence permit of Hong Kong, Macao or Taiwan residents names in place of a county (港澳台居民居住证
 * 申领发放办法, 2018): the region's own code, never a county within it.
 */
const HMT_DIVISIONS = new Set(['810000', '820000', '830000']);

/**
 * Why `id` is no residence permit number of a Hong Kong, Macao or Taiwan resident, or null: the GB 11643 form
 * (18 characters, birth date, MOD 11-2 check digit) with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan)
 * as its division.
 */
export function hmtResidencePermitViolation(id: string, today: Date = new Date(), field = 'idNumber'): RuleViolation | null {
  if (!/^\d{17}[\dX]$/.test(id))
    return idViolation(field, 'format', 'A residence permit number is 18 characters: 17 digits and a check digit (0–9 or X) (GB 11643)');
  if (!HMT_DIVISIONS.has(id.slice(0, 6)))
    return idViolation(field, 'division code', `${id.slice(0, 6)} is not 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan) (港澳台居民居住证)`);
  if (!realBirthDate(Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14)), today))
    return idViolation(field, 'birth date', `${id.slice(6, 14)} is no birth date: a real day, not after today (GB 11643)`);
  if (residentIdCheck(id.slice(0, 17)) !== id[17]) return idViolation(field, 'check digit', 'The check digit (18th) does not match the number (GB 11643)');
  return null;
}

/** Mainland province-level codes (GB/T 2260): where a permanent residence application is accepted (受理地). */
const MAINLAND_PROVINCES = new Set([...PROVINCES].filter((p) => !['71', '81', '82'].includes(p)));

/** ICAO 9303's check digit: weights 7, 3, 1 repeated, A=10 … Z=35, the sum mod 10. */
export function icaoCheck(chars: string): string {
  let sum = 0;
  for (let i = 0; i < chars.length; i++) sum += parseInt(chars[i], 36) * [7, 3, 1][i % 3];
  return String(sum % 10);
}

/**
 * Why `id` is no foreigner's permanent residence ID card number, or null. Two forms are in use:
 * - since 1 December 2023 (国家移民管理局, 新版外国人永久居留身份证): 18 characters built like a citizen's number,
 *   9 (the foreigner's mark), the province-level code of the place that accepted the application, a 3-digit
 *   nationality code, the birth date YYYYMMDD, a 3-digit sequence and the MOD 11-2 check digit of GB 11643;
 * - the earlier cards (2004, 2017), still valid until they expire: 15 characters, a 3-letter nationality code and
 *   12 digits, the last a check digit of ICAO 9303 (7, 3, 1) over the first 14. Sources differ on how the 11
 *   digits between divide into place, birth date and sequence, so only the form and the check digit are checked.
 */
export function foreignPermanentResidenceViolation(id: string, today: Date = new Date(), field = 'idNumber'): RuleViolation | null {
  if (/^[A-Z]{3}\d{12}$/.test(id)) {
    if (icaoCheck(id.slice(0, 14)) !== id[14])
      return idViolation(field, 'check digit', 'The check digit (15th) does not match the number (ICAO 9303: weights 7, 3, 1)');
    return null;
  }
  if (!/^9\d{16}[\dX]$/.test(id))
    return idViolation(
      field,
      'format',
      'A permanent residence ID card number is 18 characters, 9 then 16 digits and a check digit (0–9 or X), or on cards issued before December 2023 15: 3 capital letters and 12 digits',
    );
  if (!MAINLAND_PROVINCES.has(id.slice(1, 3)))
    return idViolation(field, 'division code', `${id.slice(1, 3)} is no province-level code of an accepting place (2nd and 3rd digits, GB/T 2260)`);
  if (!realBirthDate(Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14)), today))
    return idViolation(field, 'birth date', `${id.slice(6, 14)} is no birth date: a real day, not after today (7th to 14th digits)`);
  if (residentIdCheck(id.slice(0, 17)) !== id[17])
    return idViolation(field, 'check digit', 'The check digit (18th) does not match the number (ISO 7064 MOD 11-2, as GB 11643)');
  return null;
}

/** Why `number` is no number of the identity document `type`, by that document's own rule, or null. */
export function identityDocumentViolation(type: IdentityDocumentType, number: string, today: Date = new Date(), field = 'idNumber'): RuleViolation | null {
  switch (type) {
    case 'resident':
      return residentIdViolation(number, today, field);
    case 'hmt_residence_permit':
      return hmtResidencePermitViolation(number, today, field);
    case 'foreign_permanent_residence':
      return foreignPermanentResidenceViolation(number, today, field);
    default:
      return idViolation(field, 'document type', `${String(type)} is no identity document taken here: ${IDENTITY_DOCUMENT_TYPES.join(', ')}`);
  }
}

/**
 * Which document a number is, when nobody said (an identity provider states a number, not its document): the first
 * whose rule it keeps, resident ID first; null when it keeps none.
 */
export function identityDocumentOf(number: string, today: Date = new Date()): IdentityDocumentType | null {
  return IDENTITY_DOCUMENT_TYPES.find((t) => identityDocumentViolation(t, number, today) === null) ?? null;
}
