// Shared vocabulary of the Measures: attributes (Art. 13, 17), roles, actors, durations.

export const ATTRIBUTES = ['UNCONDITIONAL', 'CONDITIONAL', 'NONE'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
/** The Measures' own words for the attributes (Art. 13 ¶1, 17 ¶1), wherever a person reads them. */
export const SHARE_ATTRIBUTE_NAMES: Record<Attribute, string> = { UNCONDITIONAL: '无条件共享', CONDITIONAL: '有条件共享', NONE: '不予共享' };
export const OPEN_ATTRIBUTE_NAMES: Record<Attribute, string> = { UNCONDITIONAL: '无条件开放', CONDITIONAL: '有条件开放', NONE: '不予开放' };

export const ROLES = [
  'agency_applicant',
  'public_applicant',
  'provider_reviewer',
  // The head of an organisation's 政务数据共享工作机构 (《政务数据共享条例》): approves its provider's extension of an answer;
  // an agency's or an authority's alike, the one its own task that escalates adds as candidate (督办升级, Art. 32).
  'sharing_head',
  'authority_reviewer',
  'leading_group',
  'supervisor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  sub: string;
  /** The organisation they act for; null for a member of the public (公民: a natural person has none). */
  org: string | null;
  roles: Role[];
  /**
   * A member of the public: the legal persons (USCC) they may act for now, their own when they are one, and those
   * that authorised them as agent (经办人, Art. 29). The API looks it up on every request, so a revocation bites at once.
   */
  actsFor?: string[];
}

/** Someone acting for an organisation (an agency's or an authority's staff). */
export type OrgActor = Actor & { org: string };

/** Whether `v` is someone acting for an organisation, as a message past the API may claim (sub, org, known roles). */
export function isOrgActor(v: unknown): v is OrgActor {
  const a = v as Partial<OrgActor> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.sub === 'string' &&
    a.sub.trim() !== '' &&
    typeof a.org === 'string' &&
    a.org !== '' &&
    Array.isArray(a.roles) &&
    a.roles.every((r) => ROLES.includes(r))
  );
}

/**
 * Whether `actor` is `applicant`: the same person of the same organisation (a member of the public acts for
 * none). A request made in a legal person's name (`legalPerson`) is the legal person's: whoever acts for it
 * now is its applicant.
 */
export function sameApplicant(actor: Actor, applicant: Actor, legalPerson?: string | null): boolean {
  if (legalPerson) return actor.org === null && (actor.actsFor ?? []).includes(legalPerson);
  return actor.sub === applicant.sub && actor.org === applicant.org;
}

/** Who did something, as the audit trail records it. */
export interface ActorRef {
  sub: string;
  org: string | null;
  role: Role | 'system';
  /** A delegate's act in another's stead (代理, domain/delegations.ts): the person acted for; `sub` is the delegate ("X 代 Y"). */
  onBehalfOf?: string;
}

export const SYSTEM: ActorRef = { sub: 'system', org: null, role: 'system' };

/** A deadline length: working days on the statutory calendar, calendar days, or seconds (tests). */
export type Duration = { workingDays: number } | { days: number } | { seconds: number };
