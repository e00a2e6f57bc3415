// Every migration, in order. Listed explicitly so bundlers and test runners need no file scanning.
import type { Migration } from 'kysely';
import * as m001 from './2026-11-26-001-initial';
import * as m002 from './2026-11-27-002-hardening';
import * as m003 from './2026-11-27-003-divisions-review-grants';
import * as m004 from './2026-11-27-004-task-candidates';
import * as m005 from './2026-11-27-005-catalog-model';
import * as m006 from './2026-11-27-006-share-disputes';
import * as m007 from './2026-11-27-007-consultation-comments';
import * as m008 from './2026-11-27-008-agreements';
import * as m009 from './2026-11-27-009-principals';
import * as m010 from './2026-11-27-010-public-without-organisation';
import * as m011 from './2026-11-27-011-organisation-party';
import * as m012 from './2026-11-27-012-requests-newest-first';
import * as m013 from './2026-11-27-013-grant-end-ground';
import * as m014 from './2026-11-28-014-people';
import * as m015 from './2026-11-28-015-identity-document-type';
import * as m016 from './2026-12-05-016-legal-person-agents';
import * as m017 from './2026-12-05-017-entry-requests';
import * as m018 from './2026-12-05-018-case-numbers';
import * as m019 from './2026-12-05-019-field-labels';
import * as m020 from './2026-12-05-020-government-departments';
import * as m021 from './2026-12-05-021-task-urging';
import * as m022 from './2026-12-05-022-audit-chain';
import * as m024 from './2026-12-05-024-evaluation-snapshots';
import * as m025 from './2026-12-05-025-grant-usage-records';
import * as m026 from './2026-12-05-026-refusal-disputes';
import * as m027 from './2026-12-05-027-evaluation-indexes';
import * as m028 from './2026-12-05-028-task-trails';
import * as m029 from './2026-12-06-029-catalog-refreshes';
import * as m030 from './2026-12-06-030-grant-renewals';
import * as m033 from './2026-12-06-033-delegations';
import * as m034 from './2026-12-06-034-notification-outbox';
import * as m035 from './2026-12-06-035-notification-digests';
import * as m039 from './2026-12-06-039-change-events';
import * as m040 from './2026-12-06-040-catalog-refreshes-kept';
import * as m041 from './2026-12-06-041-similar-title-gist';
import * as m042 from './2026-12-06-042-similar-lookup';

export const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': m001,
  '2026-11-27-002-hardening': m002,
  '2026-11-27-003-divisions-review-grants': m003,
  '2026-11-27-004-task-candidates': m004,
  '2026-11-27-005-catalog-model': m005,
  '2026-11-27-006-share-disputes': m006,
  '2026-11-27-007-consultation-comments': m007,
  '2026-11-27-008-agreements': m008,
  '2026-11-27-009-principals': m009,
  '2026-11-27-010-public-without-organisation': m010,
  '2026-11-27-011-organisation-party': m011,
  '2026-11-27-012-requests-newest-first': m012,
  '2026-11-27-013-grant-end-ground': m013,
  '2026-11-28-014-people': m014,
  '2026-11-28-015-identity-document-type': m015,
  '2026-12-05-016-legal-person-agents': m016,
  '2026-12-05-017-entry-requests': m017,
  '2026-12-05-018-case-numbers': m018,
  '2026-12-05-019-field-labels': m019,
  '2026-12-05-020-government-departments': m020,
  '2026-12-05-021-task-urging': m021,
  '2026-12-05-022-audit-chain': m022,
  '2026-12-05-024-evaluation-snapshots': m024,
  '2026-12-05-025-grant-usage-records': m025,
  '2026-12-05-026-refusal-disputes': m026,
  '2026-12-05-027-evaluation-indexes': m027,
  '2026-12-05-028-task-trails': m028,
  '2026-12-06-029-catalog-refreshes': m029,
  '2026-12-06-030-grant-renewals': m030,
  '2026-12-06-033-delegations': m033,
  '2026-12-06-034-notification-outbox': m034,
  '2026-12-06-035-notification-digests': m035,
  '2026-12-06-039-change-events': m039,
  '2026-12-06-040-catalog-refreshes-kept': m040,
  '2026-12-06-041-similar-title-gist': m041,
  '2026-12-06-042-similar-lookup': m042,
};
