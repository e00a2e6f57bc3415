import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('agency','authority','leading_group','supervision')`))
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level in ('city','county')`))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('uscc', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  const attribute = (col: string) => sql.raw(`${col} in ('UNCONDITIONAL','CONDITIONAL','NONE')`);
  await db.schema
    .createTable('catalog_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('share_attribute', 'text', (c) => c.notNull().check(attribute('share_attribute')))
    .addColumn('share_conditions', 'text')
    .addColumn('share_reasons', 'text')
    .addColumn('share_basis', 'text')
    .addColumn('open_attribute', 'text', (c) => c.notNull().check(attribute('open_attribute')))
    .addColumn('open_conditions', 'text')
    .addColumn('open_reasons', 'text')
    .addColumn('open_basis', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('published')
        .check(sql`status in ('published','suspended','withdrawn')`),
    )
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Art. 13 ¶2: conditional sharing states reasons and conditions; refusal states its legal basis.
    .addCheckConstraint('share_conditional_explained', sql`share_attribute <> 'CONDITIONAL' or (share_reasons is not null and share_conditions is not null)`)
    .addCheckConstraint('share_none_based', sql`share_attribute <> 'NONE' or share_basis is not null`)
    .addCheckConstraint('open_none_based', sql`open_attribute <> 'NONE' or open_basis is not null`)
    .execute();
  await db.schema.createIndex('catalog_entries_provider').on('catalog_entries').columns(['provider_org_id', 'id']).execute();

  await db.schema
    .createTable('catalog_entry_versions')
    .addColumn('entry_id', 'text', (c) => c.notNull().references('catalog_entries.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('change_request_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('catalog_entry_versions_pk', ['entry_id', 'version'])
    .execute();

  await db.schema
    .createTable('requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull().unique())
    .addColumn('applicant_sub', 'text', (c) => c.notNull())
    .addColumn('applicant_org', 'text', (c) => c.notNull())
    .addColumn('catalog_entry_id', 'text', (c) => c.references('catalog_entries.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('outcome', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('requests_applicant').on('requests').columns(['applicant_sub', 'created_at desc', 'id desc']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('candidate_role', 'text', (c) => c.notNull())
    .addColumn('candidate_org', 'text', (c) => c.notNull())
    .addColumn('candidate_user', 'text')
    .addColumn('assignee', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','completed','cancelled')`))
    .addColumn('article', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('remind_at', 'timestamptz')
    .addColumn('due_calendar_known', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('reminded_at', 'timestamptz')
    .addColumn('overdue_at', 'timestamptz')
    .addColumn('decision', 'text')
    .addColumn('reason', 'text')
    .addColumn('form', 'jsonb')
    .addColumn('decided_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();
  // The inbox: candidate org + role + status, ordered by due time (and id for a stable cursor).
  await db.schema.createIndex('tasks_inbox').on('tasks').columns(['candidate_org', 'candidate_role', 'status', 'due_at', 'id']).execute();
  // Supervisors' overdue list: only open tasks, by due time.
  await db.schema.createIndex('tasks_open_due').on('tasks').columns(['due_at', 'id']).where(sql.ref('status'), '=', 'open').execute();
  await db.schema.createIndex('tasks_request').on('tasks').column('request_id').execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().unique().references('requests.id'))
    .addColumn('catalog_entry_id', 'text', (c) => c.notNull().references('catalog_entries.id'))
    .addColumn('grantee_org', 'text', (c) => c.notNull())
    .addColumn('scope', 'jsonb', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active','expired','revoked')`))
    .addColumn('granted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema.createIndex('grants_entry_active').on('grants').column('catalog_entry_id').where(sql.ref('status'), '=', 'active').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_key', 'text', (c) => c.notNull().unique())
    .addColumn('request_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_sub', 'text', (c) => c.notNull())
    .addColumn('actor_org', 'text')
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('decision', 'text')
    .addColumn('reason', 'text')
    .addColumn('article', 'text', (c) => c.notNull())
    .addColumn('old_value', 'jsonb')
    .addColumn('new_value', 'jsonb')
    .execute();
  await db.schema.createIndex('audit_events_request').on('audit_events').columns(['request_id', 'id']).execute();
  // Art. 29 traceability: the trail is append-only, enforced by the database itself.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only (Art. 29): % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_events_no_update_delete before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
  await sql`create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('notification_key', 'text', (c) => c.notNull().unique())
    .addColumn('recipient_org', 'text')
    .addColumn('recipient_role', 'text')
    .addColumn('recipient_user', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['recipient_user', 'id']).execute();
  await db.schema.createIndex('notifications_org_role').on('notifications').columns(['recipient_org', 'recipient_role', 'id']).execute();

  await db.schema
    .createTable('calendar_overrides')
    .addColumn('day', 'date', (c) => c.primaryKey())
    .addColumn('is_workday', 'boolean', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'calendar_overrides',
    'notifications',
    'audit_events',
    'grants',
    'tasks',
    'requests',
    'catalog_entry_versions',
    'catalog_entries',
    'organisations',
  ])
    await db.schema.dropTable(t).ifExists().execute();
  await sql`drop function if exists audit_events_append_only()`.execute(db);
}
