// Resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015): the standards'
// published examples, and properties checked against the standards' own formulas written out again here.
import fc from 'fast-check';
import {
  identityDocumentOf,
  identityDocumentViolation,
  maskIdentityDocument,
  residentIdCheck,
  residentIdViolation,
  usccViolation,
  usccWithCheck,
} from '../domain/ids';

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
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...CHARS), { minLength: 17, maxLength: 17 }), (c) => usccWithCheck(c.join('')).slice(-1) === mod31(c.join(''))),
  );
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

/** ICAO 9303's check digit written out again: weights 7, 3, 1, digits as themselves, A=10 … Z=35, sum mod 10. */
function icao731(chars: string): string {
  const value = (c: string) => (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55);
  return String([...chars].reduce((s, c, i) => s + value(c) * [7, 3, 1][i % 3], 0) % 10);
}
const withMod11 = (first17: string) => first17 + mod11_2(first17);

/** A residence permit of a Hong Kong, Macao or Taiwan resident, built as GB 11643 builds a number. */
const hmtPermit = fc.tuple(fc.constantFrom('810000', '820000', '830000'), birth, digits(3)).map(([div, b, seq]) => withMod11(`${div}${b}${seq}`));
/** A permanent residence ID card of 2023: 9, accepting province, nationality, birth date, sequence, MOD 11-2. */
const foreign18 = fc
  .tuple(fc.constantFrom('11', '31', '37', '44', '65'), digits(3), birth, digits(3))
  .map(([p, nat, b, seq]) => withMod11(`9${p}${nat}${b}${seq}`));
/** A permanent residence ID card issued before December 2023: 3 letters, 11 digits, the ICAO check digit. */
const foreign15 = fc
  .tuple(fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), { minLength: 3, maxLength: 3 }), digits(11))
  .map(([letters, body]) => `${letters.join('')}${body}` + icao731(`${letters.join('')}${body}`));

describe('identity documents (Art. 10 ¶2 身份证件号码)', () => {
  test('every number built as its document builds one is accepted by that document’s rule, and recognised as it', () => {
    fc.assert(fc.property(residentId, (id) => identityDocumentViolation('resident', id, TODAY) === null && identityDocumentOf(id, TODAY) === 'resident'));
    fc.assert(
      fc.property(
        hmtPermit,
        (id) => identityDocumentViolation('hmt_residence_permit', id, TODAY) === null && identityDocumentOf(id, TODAY) === 'hmt_residence_permit',
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(foreign18, foreign15),
        (id) => identityDocumentViolation('foreign_permanent_residence', id, TODAY) === null && identityDocumentOf(id, TODAY) === 'foreign_permanent_residence',
      ),
    );
  });

  test('a residence permit is no resident ID, nor a resident ID a residence permit', () => {
    fc.assert(fc.property(hmtPermit, (id) => residentIdViolation(id, TODAY)?.rule === 'division code'));
    fc.assert(fc.property(residentId, (id) => identityDocumentViolation('hmt_residence_permit', id, TODAY)?.rule === 'division code'));
    fc.assert(fc.property(foreign18, (id) => identityDocumentViolation('resident', id, TODAY)?.rule === 'division code'));
  });

  test('any one character of a residence permit or a 2023 permanent residence card changed is refused, naming the rule', () => {
    const changed = (type: 'hmt_residence_permit' | 'foreign_permanent_residence', rules: string[]) =>
      fc.property(type === 'hmt_residence_permit' ? hmtPermit : foreign18, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'0123456789X'), (id, i, c) => {
        fc.pre(id[i] !== c && (i === 17 || c !== 'X'));
        const v = identityDocumentViolation(type, id.slice(0, i) + c + id.slice(i + 1), TODAY);
        return v !== null && rules.includes(v.rule!);
      });
    fc.assert(changed('hmt_residence_permit', ['check digit', 'birth date', 'division code']));
    fc.assert(changed('foreign_permanent_residence', ['check digit', 'birth date', 'division code', 'format']));
  });

  test('any one digit of an earlier permanent residence card changed is refused for its check digit', () => {
    fc.assert(
      fc.property(foreign15, fc.integer({ min: 3, max: 14 }), fc.constantFrom(...'0123456789'), (id, i, c) => {
        fc.pre(id[i] !== c);
        return identityDocumentViolation('foreign_permanent_residence', id.slice(0, i) + c + id.slice(i + 1), TODAY)?.rule === 'check digit';
      }),
    );
  });

  const permit = withMod11('81000019900101001');
  const card = withMod11('93784019850615001');
  const early = 'USA11006507001' + icao731('USA11006507001');
  test.each([
    ['hmt_residence_permit', '8100001990010100', 'format'],
    ['hmt_residence_permit', withMod11('81010119900101001'), 'division code'],
    ['hmt_residence_permit', withMod11('84000019900101001'), 'division code'],
    ['hmt_residence_permit', withMod11('82000019900230001'), 'birth date'],
    ['hmt_residence_permit', withMod11('83000020990101001'), 'birth date'],
    ['hmt_residence_permit', permit.slice(0, 17) + (permit[17] === '0' ? '1' : '0'), 'check digit'],
    ['foreign_permanent_residence', '937840198506150', 'format'],
    ['foreign_permanent_residence', 'usa110065070012', 'format'],
    ['foreign_permanent_residence', withMod11('83784019850615001'), 'format'],
    ['foreign_permanent_residence', withMod11('98184019850615001'), 'division code'],
    ['foreign_permanent_residence', withMod11('90084019850615001'), 'division code'],
    ['foreign_permanent_residence', withMod11('93784019851315001'), 'birth date'],
    ['foreign_permanent_residence', card.slice(0, 17) + (card[17] === '0' ? '1' : '0'), 'check digit'],
    ['foreign_permanent_residence', early.slice(0, 14) + ((Number(early[14]) + 1) % 10), 'check digit'],
    ['resident', withMod11('81000019900101001'), 'division code'],
    ['resident', withMod11('82000019900101001'), 'division code'],
    ['resident', withMod11('83000019900101001'), 'division code'],
  ] as const)('%s %s is refused for its %s', (type, id, rule) => {
    expect(identityDocumentViolation(type, id, TODAY, 'residentId')).toMatchObject({ code: 'InvalidInput', field: 'residentId', rule });
  });

  test('each is masked alike: the first 3 and last 4 characters', () => {
    expect(maskIdentityDocument(permit)).toBe(`810***********${permit.slice(-4)}`);
    expect(maskIdentityDocument(card)).toBe(`937***********${card.slice(-4)}`);
    expect(maskIdentityDocument(early)).toBe(`USA********${early.slice(-4)}`);
  });

  test('a number no document’s rule keeps is none of them', () => {
    expect(identityDocumentOf('110105194912310021', TODAY)).toBeNull();
    expect(identityDocumentViolation('passport' as never, 'E12345678', TODAY)).toMatchObject({ rule: 'document type' });
  });
});
