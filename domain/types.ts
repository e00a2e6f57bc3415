// Shared vocabulary of the Measures: attributes (Art. 13, 17), roles, actors, durations.

export const ATTRIBUTES = ['UNCONDITIONAL', 'CONDITIONAL', 'NONE'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export const ROLES = [
  'agency_applicant',
  'public_applicant',
  'provider_reviewer',
  'authority_reviewer',
  'leading_group',
  'supervisor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  sub: string;
  org: string;
  roles: Role[];
}

/** Who did something, as the audit trail records it. */
export interface ActorRef {
  sub: string;
  org: string | null;
  role: Role | 'system';
}

export const SYSTEM: ActorRef = { sub: 'system', org: null, role: 'system' };

/** A deadline length: working days on the statutory calendar, calendar days, or seconds (tests). */
export type Duration = { workingDays: number } | { days: number } | { seconds: number };

