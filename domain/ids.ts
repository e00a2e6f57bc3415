// Identifiers of Art. 10: unified social credit codes (GB 32100-2015) and resident ID numbers (GB 11643-1999).
// Each check names the rule a number breaks, so a refusal can say which (format, code, date, check character).
import type { RuleViolation } from './errors';

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * GB 32100 registration authorities (登记管理部门, the first character) and the organisation types (机构类别,
 * the second) each registers: the 2015 table (1 机构编制, 5 民政, 9 工商, Y 其他) and the codes assigned
 * to further registration authorities since.
 */
const USCC_TYPES: Record<string, string> = { '1': '1239', '2': '19', '3': '123459', '4': '19', '5': '1239', '6': '129', '7': '1239', '8': '19', '9': '123', A: '19', N: '12349', Y: '1' };

const idViolation = (field: string, rule: string, detail: string): RuleViolation => ({ code: 'InvalidInput', field, rule, detail });

/** Why `code` is no unified social credit code (GB 32100-2015), naming the rule it breaks, or null. */
export function usccViolation(code: string, field = 'uscc'): RuleViolation | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code))
    return idViolation(field, 'format', 'A unified social credit code is 18 characters: digits and capital letters other than I, O, Z, S and V, the 3rd to 8th a division code (GB 32100)');
  const types = USCC_TYPES[code[0]];
  if (!types) return idViolation(field, 'registration authority', `${code[0]} is no registration authority's code (GB 32100, 1st character)`);
  if (!types.includes(code[1])) return idViolation(field, 'organisation type', `${code[1]} is no organisation type that authority ${code[0]} registers (GB 32100, 2nd character)`);
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
const PROVINCES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82']);

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
  if (!/^\d{17}[\dX]$/.test(id)) return idViolation(field, 'format', 'A resident ID number is 18 characters: 17 digits and a check digit (0–9 or X) (GB 11643)');
  if (!PROVINCES.has(id.slice(0, 2)) || id.slice(2, 6) === '0000')
    return idViolation(field, 'division code', `${id.slice(0, 6)} is no division of registration (GB 11643, GB/T 2260)`);
  const [y, m, d] = [Number(id.slice(6, 10)), Number(id.slice(10, 12)), Number(id.slice(12, 14))];
  const born = new Date(Date.UTC(y, m - 1, d));
  const real = y >= 1800 && born.getUTCFullYear() === y && born.getUTCMonth() === m - 1 && born.getUTCDate() === d;
  if (!real || born.getTime() > Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()))
    return idViolation(field, 'birth date', `${id.slice(6, 14)} is no birth date: a real day, not after today (GB 11643)`);
  if (residentIdCheck(id.slice(0, 17)) !== id[17]) return idViolation(field, 'check digit', 'The check digit (18th) does not match the number (GB 11643)');
  return null;
}

export function isValidResidentId(id: string, today?: Date): boolean {
  return residentIdViolation(id, today) === null;
}

/** Art. 29: resident ID numbers never leave the system in full. */
export function maskResidentId(id: string): string {
  return id.length < 8 ? '****' : `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;
}
