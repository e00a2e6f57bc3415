// Kysely table interfaces: the read models the activities write and the API reads.
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CatalogField, EntryForm, LegalBasis, OpenConditionGround, OpeningGround, SideStatus } from '../domain/catalog';
import type { RequestStatus } from '../domain/requests';
import type { CommenterKind } from '../domain/catalog-adjustment';
import type { AgreementTerms } from '../domain/open-request';
import type { Candidate } from '../domain/tasks';
import type { Attribute, Role } from '../domain/types';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface OrganisationsTable {
  id: string;
  name: string;
  kind: 'agency' | 'authority' | 'leading_group' | 'supervision';
  level: 'city' | 'county';
  region: string;
  /** GB/T 2260 administrative division code, e.g. 371100 (Rizhao), 371102 (Donggang). */
  division: string;
  uscc: string | null;
  /** A government department (政务部门, those authorised to administer public affairs included): the 条例 binds sharing between two. */
  government_department: Generated<boolean>;
  created_at: Timestamp;
}

export interface CatalogEntriesTable {
  id: string;
  provider_org_id: string;
  title: string;
  description: Generated<string>;
  fields: Json<CatalogField[]>;
  form: ColumnType<EntryForm, EntryForm | undefined, EntryForm>;
  use_conditions: string | null;
  update_frequency: Generated<string>;
  share_attribute: Attribute;
  share_conditions: string | null;
  share_reasons: string | null;
  share_basis: ColumnType<LegalBasis[], string | undefined, string>;
  share_status: ColumnType<SideStatus, SideStatus | undefined, SideStatus>;
  open_attribute: Attribute;
  open_ground: OpenConditionGround | null;
  open_conditions: string | null;
  open_reasons: string | null;
  open_basis: ColumnType<LegalBasis[], string | undefined, string>;
  open_opening: NullableJson<{ ground: OpeningGround; evidence: string }>;
  open_status: ColumnType<SideStatus, SideStatus | undefined, SideStatus>;
  priority_open: Generated<boolean>;
  /** The share-attribute dispute running on the entry (its request), if any (Art. 13 ¶3). */
  share_dispute: string | null;
  /** Generated: title, description and field names, lower-cased, for the list's text search. */
  search_text: ColumnType<string, never, never>;
  version: Generated<number>;
  updated_at: Timestamp;
}

/** One row a field name of an entry still in the catalog, its title lower-cased: Art. 8's look-up by fields (migration 042, kept by trigger). */
export interface CatalogEntryFieldNamesTable {
  name: string;
  entry_id: string;
  title: string;
  provider_org_id: string;
}

export interface CatalogEntryVersionsTable {
  entry_id: string;
  version: number;
  snapshot: Json<CatalogEntrySnapshot>;
  changed_by: string;
  change_request_id: string | null;
  /** Why this version was made (the adjustment's ground and justification). */
  reason: string | null;
  created_at: Timestamp;
}

export interface RequestsTable {
  id: string;
  type: string;
  workflow_id: string;
  applicant_sub: string;
  /** Null for a member of the public. */
  applicant_org: string | null;
  catalog_entry_id: string | null;
  status: RequestStatus;
  payload: Json<Record<string, unknown>>;
  payload_hash: string;
  outcome: NullableJson<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Monotonic: the order rows were written in, not when the requests were made (bigint: pg returns it as a string). */
  seq: Generated<string>;
  submission_id: string | null;
  /** The legal person (USCC) in whose name an authorised agent made the request (migration 016); null otherwise. */
  applicant_legal_person: Generated<string | null>;
  /** Its case number (受理编号, migration 018), drawn by next_case_number when the row is first written; null only for rows older than that. */
  case_number: Generated<string | null>;
  /** The refusal dispute raised on this refused share request (migration 026); null otherwise. */
  refusal_dispute: Generated<string | null>;
}

/** Case numbers drawn so far, per region, procedure code and day in Asia/Shanghai (migration 018). */
export interface CaseCountersTable {
  region: string;
  procedure: string;
  day: ColumnType<Date, string, string>;
  n: number;
}

export interface TasksTable {
  id: string;
  request_id: string;
  workflow_id: string;
  kind: string;
  candidate_role: Role;
  candidate_org: string | null;
  candidate_user: string | null;
  assignee: string | null;
  status: 'open' | 'completed' | 'cancelled';
  article: string;
  due_at: Timestamp;
  remind_at: NullableTimestamp;
  due_calendar_known: Generated<boolean>;
  reminded_at: NullableTimestamp;
  overdue_at: NullableTimestamp;
  decision: string | null;
  reason: string | null;
  form: NullableJson<Record<string, unknown>>;
  decided_by: string | null;
  created_at: Timestamp;
  completed_at: NullableTimestamp;
  /** What the candidates need to know to decide (e.g. the authority's position when it consults). */
  context: NullableJson<Record<string, unknown>>;
  /** People who may not act on the task; null on rows from before the list existed. */
  excluded: string[] | null;
  /** Everyone who may act on the task: the first is the one it was opened for (escalation may add the body's own head, marked `escalation`: domain/tasks.ts escalationHead). */
  candidates: ColumnType<Candidate[], string | undefined, string>;
  escalate_at: NullableTimestamp;
  escalated_at: NullableTimestamp;
  /** How many times supervisors urged the task (督办, Art. 32), and the last time. */
  urge_count: Generated<number>;
  urged_at: NullableTimestamp;
  /** Who a delegate decided the task for (代理, migration 033): `decided_by` 代 this person; null when decided in one's own right. */
  decided_on_behalf_of: Generated<string | null>;
}

/** A person's delegate for a period (代理, migration 033): domain/delegations.ts holds its rules. */
export interface DelegationsTable {
  id: string;
  org: string;
  delegator: string;
  delegate: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  kinds: string[];
  reason: string;
  created_by: string;
  created_at: ColumnType<Date, string | Date | undefined, never>;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
}

/** The inbox's index of tasks.candidates, kept by a trigger: never written by the application. */
export interface TaskCandidatesTable {
  task_id: string;
  n: number;
  org: string;
  role: string;
  user_sub: string | null;
  /** A public task addressed to a legal person (its agents and its own account act on it). */
  legal_person: string | null;
  status: 'open' | 'completed' | 'cancelled';
  due_at: Timestamp;
}

export interface GrantsTable {
  id: string;
  request_id: string;
  catalog_entry_id: string;
  grantee_org: string;
  scope: Json<{ fields: string[] }>;
  purpose: string;
  status: 'active' | 'expired' | 'revoked';
  granted_at: Timestamp;
  expires_at: Timestamp;
  ended_at: NullableTimestamp;
  end_reason: string | null;
  /** The ground a revocation named (domain/share.ts REVOCATION_GROUNDS); null otherwise. */
  end_ground: string | null;
  /** Art. 15 terms the grantee accepted (purpose, duty, fields, conditions, restrictions). */
  terms: NullableJson<Record<string, unknown>>;
  /** The grant this one renews (migration 030); null otherwise. */
  renews: Generated<string | null>;
  /** When its term starts, where not at granted_at: a renewal approved before the grant it renews expired starts at that expiry (migration 030). */
  starts_at: NullableTimestamp;
}

export type AgreementStatus = 'awaiting_signature' | 'awaiting_countersignature' | 'in_force' | 'lapsed' | 'declined' | 'cancelled' | 'expired' | 'terminated';

/** One party's signature: who, when, and the SHA-256 of the text they signed. */
export interface Signature {
  party: 'licensee' | 'provider';
  sub: string;
  org: string | null;
  at: string;
  sha256: string;
}

export interface AgreementsTable {
  id: string;
  request_id: string;
  workflow_id: string;
  catalog_entry_id: string;
  provider_org: string;
  licensee_sub: string;
  /** The legal person (USCC) that is the licensee when an agent applied in its name (migration 016). */
  licensee_legal_person: Generated<string | null>;
  version: Generated<number>;
  terms: Json<AgreementTerms>;
  text: string;
  sha256: string;
  status: AgreementStatus;
  signatures: ColumnType<Signature[], string | undefined, string>;
  created_at: Timestamp;
  in_force_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  end_reason: string | null;
}

/** A public principal (migration 009): the resident ID number only sealed, looked up by its keyed hash. */
export interface PrincipalsTable {
  sub: string;
  kind: 'natural' | 'legal';
  name: string;
  uscc: string | null;
  id_sealed: string | null;
  id_lookup: string | null;
  /** The number as anyone but its holder sees it (domain/ids.ts maskResidentId). */
  id_masked: string | null;
  /** Which identity document the number is (migration 015, domain/ids.ts IDENTITY_DOCUMENT_TYPES); null before it. */
  id_document_type: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A legal person's authorisation of an agent (经办人, migration 016): the agent's number only as its keyed hash and masked. */
export interface LegalPersonAgentsTable {
  id: string;
  uscc: string;
  agent_lookup: string;
  agent_masked: string;
  agent_document_type: string;
  agent_name: string;
  authorised_by: string;
  authorised_at: Generated<Date>;
  revoked_by: string | null;
  revoked_at: Date | null;
}

/** A staff person the system knows (migration 013), per organisation they act for, as their token last said. */
export interface PeopleTable {
  sub: string;
  org: string;
  roles: Role[];
  /** The name their token carries (`name`), if any. */
  display_name: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  /** Where their e-mail goes, as they gave it (migration 034). */
  email: Generated<string | null>;
}

/** What a person wants beyond the console (migration 034): kinds of notice, channels, the daily digest. */
export interface NotificationPreferencesTable {
  sub: string;
  org: string;
  events: string[];
  channels: string[];
  digest: Generated<boolean>;
  updated_at: Generated<Date>;
}

/** An organisation's webhook (migration 034): its notices of `events` posted to `url`, signed with `secret`. */
export interface WebhookSubscriptionsTable {
  id: string;
  org: string;
  url: string;
  secret: string;
  events: string[];
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

/** One delivery of a notice (or a digest) over one channel to one address (migration 034), written with the notice. */
export interface NotificationOutboxTable {
  id: Generated<string>;
  idempotency_key: string;
  notification_id: string | null;
  channel: 'email' | 'webhook';
  recipient_sub: string | null;
  recipient_org: string | null;
  subscription_id: string | null;
  address: string;
  kind: string;
  message: string;
  request_id: string | null;
  task_id: string | null;
  case_number: string | null;
  status: Generated<'pending' | 'sending' | 'delivered' | 'dead'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  lease_until: Date | null;
  last_error: string | null;
  created_at: Generated<Date>;
  delivered_at: Date | null;
  dead_at: Date | null;
}

/** A person's daily digest of tasks falling due, once per day (migration 035). */
export interface NotificationDigestsTable {
  sub: string;
  org: string;
  day: string;
  tasks: number;
  created_at: Generated<Date>;
}

export interface AuditEventsTable {
  id: Generated<string>;
  event_key: string;
  request_id: string | null;
  task_id: string | null;
  at: Timestamp;
  actor_sub: string;
  actor_org: string | null;
  actor_role: string;
  action: string;
  decision: string | null;
  reason: string | null;
  article: string;
  old_value: Json<unknown>;
  new_value: Json<unknown>;
  /** The event's place in its request's hash chain, its predecessor's hash and its own: written by the database (migration 022). */
  chain_seq: Generated<number>;
  prev_hash: Generated<string | null>;
  hash: Generated<string>;
}

/** A period's evaluation figures for a scope as computed, one row per revision (migration 024). */
export interface EvaluationSnapshotsTable {
  id: Generated<string>;
  period: string;
  scope: string;
  figures: Json<unknown>;
  revision: number;
  computed_at: ColumnType<Date, string | undefined, never>;
}

export interface NotificationsTable {
  id: Generated<string>;
  notification_key: string;
  recipient_org: string | null;
  recipient_role: string | null;
  recipient_user: string | null;
  /** A notice to a legal person: its own account and its current agents read it (migration 016). */
  recipient_legal_person: Generated<string | null>;
  kind: string;
  request_id: string | null;
  task_id: string | null;
  message: string;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface CalendarOverridesTable {
  day: string;
  is_workday: boolean;
  note: Generated<string>;
}

export interface ConsultationCommentsTable {
  id: string;
  request_id: string;
  n: number;
  author_sub: string;
  author_org: string | null;
  author_kind: CommenterKind;
  text: string;
  created_at: Timestamp;
}

/** 《政务数据共享条例》 (使用记录): one filing of a grant's usage records, per report task (migration 025). */
export interface GrantUsageRecordsTable {
  grant_id: string;
  task_id: string;
  request_id: string;
  period_from: Timestamp;
  period_to: Timestamp;
  period_label: string | null;
  records: Json<{ user: string; usedAt: string; purpose: string }[]>;
  no_use: boolean;
  filed_by_sub: string;
  filed_by_org: string | null;
  filed_at: ColumnType<Date, string | Date | undefined, never>;
}

/** Art. 10: a refresh of an entry's data as its providing agency records it, one per entry and day (migration 029). */
export interface CatalogRefreshesTable {
  id: string;
  entry_id: string;
  provider_org_id: string;
  /** YYYY-MM-DD, the day in Asia/Shanghai (read as text). */
  data_updated_on: ColumnType<string, string, never>;
  note: string | null;
  recorded_by_sub: string;
  recorded_by_org: string;
  recorded_at: ColumnType<Date, string | Date | undefined, never>;
}

export interface Database {
  organisations: OrganisationsTable;
  catalog_entries: CatalogEntriesTable;
  catalog_entry_versions: CatalogEntryVersionsTable;
  catalog_entry_field_names: CatalogEntryFieldNamesTable;
  requests: RequestsTable;
  case_counters: CaseCountersTable;
  tasks: TasksTable;
  task_candidates: TaskCandidatesTable;
  grants: GrantsTable;
  audit_events: AuditEventsTable;
  notifications: NotificationsTable;
  calendar_overrides: CalendarOverridesTable;
  consultation_comments: ConsultationCommentsTable;
  agreements: AgreementsTable;
  principals: PrincipalsTable;
  legal_person_agents: LegalPersonAgentsTable;
  people: PeopleTable;
  evaluation_snapshots: EvaluationSnapshotsTable;
  grant_usage_records: GrantUsageRecordsTable;
  catalog_refreshes: CatalogRefreshesTable;
  delegations: DelegationsTable;
  notification_preferences: NotificationPreferencesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  notification_outbox: NotificationOutboxTable;
  notification_digests: NotificationDigestsTable;
}

export type TaskRow = Selectable<TasksTable>;
/**
 * A task as the API reads it: its row, the name of whoever holds it where the directory of people knows one, and
 * what an inbox row says of its request (db/repositories/requests.ts requestLabels): its case number, the applying
 * organisation's name (null: a person applied) and the entry's title.
 */
export type TaskReadRow = TaskRow & { assignee_name: string | null; case_number: string | null; applicant_name: string | null; entry_title: string | null };
export type RequestRow = Selectable<RequestsTable>;
/** An entry as views and versions show it: every column but the generated search text. */
export type CatalogEntryRow = Omit<Selectable<CatalogEntriesTable>, 'search_text'>;
/** An entry as a version's snapshot holds it (JSON: its instant as text). */
export type CatalogEntrySnapshot = Omit<CatalogEntryRow, 'updated_at'> & { updated_at: string };
