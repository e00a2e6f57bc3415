// Resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015): the standards'
// published examples, and properties checked against the standards' own formulas written out again here.
import fc from 'fast-check';
import { residentIdCheck, residentIdViolation, usccViolation, usccWithCheck } from '../domain/ids';

/** ISO 7064 MOD 11-2 as GB 11643 states it: weights 2^(17−i) mod 11, check (12 − Σ mod 11) mod 11, 10 written X. */
function mod11_2(first17: string): string {
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * (2 ** (17 - i) % 11), 0);
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** GB 32100's check: weights 3^i mod 31, check 31 − (Σ mod 31), 31 written 0, over its 31 characters. */
const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function mod31(first17: string): string {
  const sum = [...first17].reduce((s, c, i) => s + CHARS.indexOf(c) * (3 ** i % 31), 0);
  return CHARS[(31 - (sum % 31)) % 31];
}

const TODAY = new Date('2026-11-27T00:00:00Z');
const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const province = fc.constantFrom('11', '13', '31', '37', '44', '65', '82');
const birth = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: TODAY, noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10).replace(/-/g, ''));
/** A resident ID number built as the standard builds one. */
const residentId = fc.tuple(province, fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 99 }), birth, digits(3)).map(([p, city, county, b, seq]) => {
  const first17 = `${p}${String(city).padStart(2, '0')}${String(county).padStart(2, '0')}${b}${seq}`;
  return first17 + mod11_2(first17);
});
const uscc = fc
  .tuple(fc.constantFrom('11', '12', '51', '91', '93', 'Y1', 'N2'), digits(6), fc.array(fc.constantFrom(...CHARS), { minLength: 9, maxLength: 9 }))
  .map(([head, division, body]) => {
    const first17 = `${head}${division}${body.join('')}`;
    return first17 + mod31(first17);
  });

test('the standards’ published examples are valid', () => {
  expect(residentIdViolation('11010519491231002X', TODAY)).toBeNull();
  expect(residentIdViolation('440524188001010014', TODAY)).toBeNull();
  expect(usccViolation('91350100M000100Y43')).toBeNull();
});

test('the check digit is the standard’s, for any 17 digits', () => {
  fc.assert(fc.property(digits(17), (first17) => residentIdCheck(first17) === mod11_2(first17)));
  fc.assert(fc.property(fc.array(fc.constantFrom(...CHARS), { minLength: 17, maxLength: 17 }), (c) => usccWithCheck(c.join('')).slice(-1) === mod31(c.join(''))));
});

test('every number built as the standard builds one is accepted', () => {
  fc.assert(fc.property(residentId, (id) => residentIdViolation(id, TODAY) === null));
  fc.assert(fc.property(uscc, (code) => usccViolation(code) === null));
});

test('any one character changed is refused, naming the rule', () => {
  fc.assert(
    fc.property(residentId, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'0123456789X'), (id, i, c) => {
      fc.pre(id[i] !== c && (i === 17 || c !== 'X'));
      const v = residentIdViolation(id.slice(0, i) + c + id.slice(i + 1), TODAY);
      return v !== null && ['check digit', 'birth date', 'division code'].includes(v.rule!);
    }),
  );
  fc.assert(
    fc.property(uscc, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...CHARS), (code, i, c) => {
      fc.pre(code[i] !== c && (i < 2 || i > 7 || /\d/.test(c)));
      return usccViolation(code.slice(0, i) + c + code.slice(i + 1)) !== null;
    }),
  );
});

test('adjacent digits swapped are refused (MOD 11-2 catches transpositions)', () => {
  fc.assert(
    fc.property(residentId, fc.integer({ min: 0, max: 15 }), (id, i) => {
      fc.pre(id[i] !== id[i + 1]);
      return residentIdViolation(id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2), TODAY) !== null;
    }),
  );
});

test.each([
  ['1101051949123100', 'format'],
  ['11010519491231002x', 'format'],
  ['99010519491231002X', 'division code'],
  ['110000194912310021', 'division code'],
  ['110105194902300020', 'birth date'],
  ['110105209901010020', 'birth date'],
  ['110105179901010020', 'birth date'],
  ['110105194912310021', 'check digit'],
])('resident ID %s is refused for its %s', (id, rule) => {
  expect(residentIdViolation(id, TODAY)).toMatchObject({ code: 'InvalidInput', field: 'idNumber', rule });
});

test.each([
  ['91350100M000100Y4', 'format'],
  ['91350100M000100YI3', 'format'],
  ['B1350100M000100Y43', 'registration authority'],
  ['94350100M000100Y43', 'organisation type'],
  ['91350100M000100Y44', 'check character'],
])('credit code %s is refused for its %s', (code, rule) => {
  expect(usccViolation(code)).toMatchObject({ code: 'InvalidInput', rule });
});
