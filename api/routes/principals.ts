// Who a member of the public is (公民、法人和其他组织): they say it once, before applying for open data. The
// resident ID number is sealed here, at the edge (api/principal-keys.ts), so that nothing downstream (no
// workflow history, no log, no other response) ever holds it in full; only its holder reads it back.
//
// The one write the API makes itself: a person's own identity is no procedure of the Measures, and no
// workflow's progress rests on it; the row and its audit event are one transaction.
import { Type } from '@sinclair/typebox';
import { appendAudit } from '../../db/repositories/audit';
import { maskResidentId } from '../../domain/ids';
import { principalViolations, type PrincipalForm } from '../../domain/principals';
import { requireRole } from '../auth';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, lookupHash, open, parsePrincipalKeys, seal } from '../principal-keys';
import { invalid, problem } from '../problem';
import type { ApiDeps, App } from '../types';

const Name = Type.String({ maxLength: 200 });
const PrincipalBody = Type.Union([
  Type.Object({ kind: Type.Literal('natural'), name: Name, residentId: Type.String({ maxLength: 18, description: 'GB 11643 resident ID number' }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('legal'), name: Name, uscc: Type.String({ maxLength: 18, description: 'GB 32100 unified social credit code' }) }, { additionalProperties: false }),
]);

/** The holder's own view: their number in full (this route answers only them). */
const PrincipalSchema = Type.Object({
  sub: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uscc: Type.Union([Type.String(), Type.Null()]),
  residentId: Type.Union([Type.String(), Type.Null()], { description: 'In full: only ever to its holder' }),
  residentIdMasked: Type.Union([Type.String(), Type.Null()], { description: 'As everyone else sees it' }),
});

export function principalRoutes(app: App, deps: ApiDeps): void {
  const { db } = deps;
  const keys = deps.principalKeys ?? parsePrincipalKeys(DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY);

  const mine = async (sub: string) => {
    const p = await db.selectFrom('principals').selectAll().where('sub', '=', sub).executeTakeFirst();
    if (!p) throw problem('PrincipalRequired', 'You have not said who you are yet: PUT /principals/me');
    return { sub: p.sub, kind: p.kind, name: p.name, uscc: p.uscc, residentId: p.id_sealed ? open(keys, p.id_sealed) : null, residentIdMasked: p.id_masked };
  };

  app.get('/principals/me', { schema: { tags: ['open data'], summary: 'Who you said you are (your own number in full)', response: { 200: PrincipalSchema } } }, async (request) => {
    requireRole(request, 'public_applicant');
    return mine(request.actor.sub);
  });

  app.put(
    '/principals/me',
    {
      schema: { tags: ['open data'], summary: 'Say who you are: a natural person by resident ID number, or a legal person by USCC (Art. 29: the number sealed)', body: PrincipalBody, response: { 200: PrincipalSchema } },
      config: { articles: { residentId: 'Art. 29', uscc: 'Art. 29' } },
    },
    async (request) => {
      requireRole(request, 'public_applicant');
      const { sub } = request.actor;
      const form = request.body as PrincipalForm;
      const violations = principalViolations(form);
      if (violations.length) throw invalid(violations);
      const natural = form.kind === 'natural';
      const lookup = natural ? lookupHash(keys, form.residentId) : null;
      const row = {
        sub,
        kind: form.kind,
        name: form.name.trim(),
        uscc: natural ? null : form.uscc,
        id_sealed: natural ? seal(keys, form.residentId) : null,
        id_lookup: lookup,
        id_masked: natural ? maskResidentId(form.residentId) : null,
      };
      const taken = () => problem('RequestNotActive', natural ? 'This resident ID number is registered to another sign-in' : 'This credit code is registered to another sign-in', 'Art. 29');
      await db.transaction().execute(async (tx) => {
        // The same number (or code) is one principal: another sign-in may not claim it.
        const other = await tx
          .selectFrom('principals')
          .select('sub')
          .where('sub', '<>', sub)
          .where((eb) => (natural ? eb('id_lookup', '=', lookup) : eb('uscc', '=', form.uscc)))
          .executeTakeFirst();
        if (other) throw taken();
        await tx
          .insertInto('principals')
          .values(row)
          .onConflict((oc) => oc.column('sub').doUpdateSet({ ...row, updated_at: new Date() }))
          .execute()
          // Two sign-ins claiming one number at the same moment: the unique index lets one through.
          .catch((err: { code?: string }) => {
            throw err.code === '23505' ? taken() : err;
          });
        // The trail names the kind and the masked number, never the number.
        await appendAudit(tx, {
          eventKey: `principal:${sub}:${Date.now()}:${lookup ?? form.kind}`,
          requestId: null,
          actor: { sub, org: null, role: 'public_applicant' },
          action: 'principal_registered',
          article: 'Art. 29',
          newValue: { kind: form.kind, name: row.name, identity: row.id_masked ?? row.uscc },
        });
      });
      return mine(sub);
    },
  );
}
