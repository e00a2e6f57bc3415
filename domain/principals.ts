// Public principals (公民、法人和其他组织): a natural person, known by the number of their identity document
// (身份证件号码, Art. 10 ¶2: resident ID card, HK/Macao/Taiwan residence permit or foreigner's permanent residence
// ID card), or a legal person or other organisation, known by its unified social credit code (GB 32100).
import type { RuleViolation } from './errors';
import { identityDocumentViolation, usccViolation, type IdentityDocumentType } from './ids';
import { field } from './procedure';
import { blankText } from './text';

/** The field of an application a legal person's authorised agent (经办人, Art. 29) makes in its name. */
export const ON_BEHALF_OF_FIELD = field('代为申请的法人或其他组织', '作为经办人以其名义申请的，填写其统一社会信用代码；以本人名义申请的，不填');

export const PRINCIPAL_KINDS = ['natural', 'legal'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** `residentId` holds the number of whichever document `documentType` names (resident ID card when unsaid). */
export type PrincipalForm =
  { kind: 'natural'; name: string; residentId: string; documentType?: IdentityDocumentType } | { kind: 'legal'; name: string; uscc: string };

/** What a registration must say, each number checked against its standard. */
export function principalViolations(form: PrincipalForm, today: Date = new Date()): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (blankText(form.name))
    out.push({
      code: 'InvalidInput',
      field: 'name',
      rule: 'required',
      detail: form.kind === 'natural' ? 'A person gives their name' : 'An organisation gives its registered name',
    });
  const bad =
    form.kind === 'natural'
      ? identityDocumentViolation(form.documentType ?? 'resident', form.residentId, today, 'residentId')
      : usccViolation(form.uscc, 'uscc');
  if (bad) out.push({ ...bad, article: 'Art. 29' });
  return out;
}

/** Whom a person contacts when registration is an operator's case (SERVICE_DESK overrides it). */
export const DEFAULT_SERVICE_DESK = '日照市大数据发展局 公共数据平台服务台';

/** Registrations one person may attempt in an hour: enough for typing errors, too few to test numbers. */
export const PRINCIPAL_REGISTRATIONS_PER_HOUR = 10;

/** A legal person's agent (经办人) as its own account names them: as on their identity document. */
export type AgentForm = { name: string; residentId: string; documentType?: IdentityDocumentType };

/** What an authorisation of an agent must say: the same rules as a natural person's own registration. */
export function agentViolations(form: AgentForm, today: Date = new Date()): RuleViolation[] {
  return principalViolations({ kind: 'natural', ...form }, today);
}

/** Authorisations a legal person's account may make in an hour: a day's staff changes, too few to test numbers. */
export const AGENT_AUTHORISATIONS_PER_HOUR = 30;

/** Agents in force a legal person may have at once. */
export const MAX_AGENTS = 200;
