// Who a member of the public is (公民、法人和其他组织): they say it once, before applying for open data. The
// identity document's number (身份证件号码, Art. 10 ¶2) is sealed here, at the edge (api/principal-keys.ts), so that nothing downstream (no
// workflow history, no log, no other response) ever holds it in full; only its holder reads it back.
//
// The one write the API makes itself: a person's own identity is no procedure of the Measures, and no
// workflow's progress rests on it; the row and its audit event are one transaction.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getPrincipal, principalHolder, recordWithNotice, savePrincipal } from '../../db/repositories/principals';
import { identityDocumentOf, maskIdentityDocument, type IdentityDocumentType } from '../../domain/ids';
import { DEFAULT_SERVICE_DESK, PRINCIPAL_REGISTRATIONS_PER_HOUR, principalViolations, type PrincipalForm } from '../../domain/principals';
import { actingFor } from '../../db/repositories/legal-agents';
import { hourlyPerPerson, requireRole, type VerifiedIdentity } from '../auth';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, lookupHash, open, parsePrincipalKeys, seal } from '../principal-keys';
import { invalid, problem } from '../problem';
import { PrincipalBody, PrincipalSchema } from '../schemas/principals';
import type { ApiDeps } from '../types';

/**
 * Who the caller is: what the identity provider verified when they signed in through it (a typed identity is
 * refused then: the number is the platform's real-name attribute, not something one types), or, with the API's
 * own tokens (development, tests), what they typed.
 */
function identityOf(verified: VerifiedIdentity | null, body: PrincipalForm | Record<string, never>): PrincipalForm {
  if (!verified) {
    if (!('kind' in body))
      throw invalid([
        { code: 'InvalidInput', field: 'kind', rule: 'required', detail: 'Say who you are: kind, name and residentId (or uscc)', article: 'Art. 29' },
      ]);
    return body as PrincipalForm;
  }
  const typed = (['residentId', 'documentType', 'uscc', 'name', 'kind'] as const).find((f) => f in body);
  if (typed)
    throw invalid([
      {
        code: 'InvalidInput',
        field: typed,
        rule: 'verified by the identity provider',
        detail: 'Who you are is what the identity provider verified when you signed in; send an empty body',
        article: 'Art. 29',
      },
    ]);
  // The provider states a number, not its document: the document is the one whose rule the number keeps (a resident
  // ID card when it keeps none, so the refusal names the resident ID rule it breaks).
  if (verified.residentId)
    return { kind: 'natural', name: verified.name ?? '', residentId: verified.residentId, documentType: identityDocumentOf(verified.residentId) ?? 'resident' };
  if (verified.uscc) return { kind: 'legal', name: verified.name ?? '', uscc: verified.uscc };
  throw problem(
    'IdentityUnverified',
    'The identity provider stated no verified resident ID number or credit code for this sign-in; complete real-name verification there first',
    'Art. 29',
  );
}

export const principalRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  const serviceDesk = deps.serviceDesk ?? DEFAULT_SERVICE_DESK;
  const keys = deps.principalKeys ?? parsePrincipalKeys(DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY);

  const mine = async (sub: string) => {
    const p = await getPrincipal(db, sub);
    if (!p) throw problem('PrincipalRequired', 'You have not said who you are yet: PUT /principals/me');
    // Registered before documents were told apart: a resident ID card, the only document taken then.
    const documentType = p.kind === 'natural' ? ((p.id_document_type ?? 'resident') as IdentityDocumentType) : null;
    const actsFor = p.kind === 'natural' ? await actingFor(db, sub) : [];
    return {
      sub: p.sub,
      kind: p.kind,
      name: p.name,
      uscc: p.uscc,
      residentId: p.id_sealed ? open(keys, p.id_sealed) : null,
      residentIdMasked: p.id_masked,
      documentType,
      actsFor,
    };
  };

  app.get(
    '/principals/me',
    { schema: { tags: ['open data'], summary: 'Who you said you are (your own number in full)', response: { 200: PrincipalSchema } } },
    async (request) => {
      requireRole(request, 'public_applicant');
      return mine(request.actor.sub);
    },
  );

  app.put(
    '/principals/me',
    {
      schema: {
        tags: ['open data'],
        summary:
          'Say who you are: a natural person by identity document number (身份证件号码, Art. 10 ¶2), or a legal person by USCC (Art. 29: the number sealed)',
        body: PrincipalBody,
        response: { 200: PrincipalSchema },
      },
      config: {
        articles: { residentId: 'Art. 29', documentType: 'Art. 10', uscc: 'Art. 29' },
        // Per person, after sign-in: enough for typing errors, too few to test numbers one after another.
        rateLimit: hourlyPerPerson('principal', PRINCIPAL_REGISTRATIONS_PER_HOUR, 'registrations'),
      },
    },
    async (request) => {
      requireRole(request, 'public_applicant');
      const { sub } = request.actor;
      const form = identityOf(request.verifiedIdentity, request.body as PrincipalForm | Record<string, never>);
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
        id_masked: natural ? maskIdentityDocument(form.residentId) : null,
        id_document_type: natural ? (form.documentType ?? 'resident') : null,
      };
      /**
       * The number (or code) is another sign-in's: an operator's case. It is recorded and its holder told; the caller
       * learns only that registration could not be completed and whom to contact, never that the number is registered.
       */
      const operatorCase = async () => {
        const holder = await principalHolder(db, sub, lookup ? { lookup } : { uscc: row.uscc! });
        const key = `principal-conflict:${sub}:${lookup ?? row.uscc}`;
        await recordWithNotice(
          db,
          {
            eventKey: key,
            requestId: null,
            actor: { sub, org: null, role: 'public_applicant' },
            action: 'principal_conflict',
            article: 'Art. 29',
            newValue: { kind: form.kind, identity: row.id_masked ?? row.uscc, holder: holder ?? null },
          },
          holder
            ? {
                key,
                to: { user: holder },
                kind: 'identity_conflict',
                message: `另一登录账号提交了您已登记的身份信息（${row.id_masked ?? row.uscc}）。如非本人操作，请联系${serviceDesk}。`,
              }
            : null,
        );
        return problem('RegistrationIncomplete', `Registration could not be completed. Contact ${serviceDesk}; your case has been recorded.`, 'Art. 29');
      };
      // The same number (or code) is one principal: another sign-in may not claim it. The trail names the kind and the masked number, never the number.
      const done = await savePrincipal(db, row, {
        eventKey: `principal:${sub}:${Date.now()}:${lookup ?? form.kind}`,
        requestId: null,
        actor: { sub, org: null, role: 'public_applicant' },
        action: 'principal_registered',
        article: 'Art. 29',
        newValue: { kind: form.kind, name: row.name, identity: row.id_masked ?? row.uscc },
      });
      if (!done) throw await operatorCase();
      return mine(sub);
    },
  );
};
