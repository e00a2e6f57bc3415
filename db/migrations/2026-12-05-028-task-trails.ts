import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 32: the evaluation counts each task as its audit trail tells it (opened with a due time, extended, urged,
  // escalated, decided or cancelled). Folding every task's events at each read, then finding each task's row and its
  // request's, took most of a district's quarter over a million tasks (npm run bench -- evaluation). Here each task's
  // trail is folded once, as its events are written, into one row beside what the evaluation needs of the task (its
  // request, procedure and case number, kind, organisation and role: never changed once written), so that an
  // evaluation reads one row per task, a request's rows by one key. The trail stays what the figures are computed
  // from: the fold is defined once (the view task_trail_folds, over tasks, requests and audit_events), the table is
  // that view kept up to date by a trigger on each event appended, and `npm run audit -- verify` checks that the two
  // agree (`npm run audit -- refold` folds them again; db/repositories/evaluation.ts).
  //
  // "First" is by the event's id (the order the trail lists them), whatever order concurrent writers appended them in:
  // each column group keeps the id of the event it came from, and a later-appended event with a smaller id replaces it.
  await sql`
    create table task_trails (
      task_id text primary key,
      -- The task's and its request's, as their rows have them.
      request_id text not null, procedure text not null, case_number text, kind text not null, candidate_org text,
      candidate_role text not null, created_at timestamptz not null,
      -- The first task_opened: when, and the due time it opened with (its new_value.dueAt, as written).
      opened_id bigint, opened_at timestamptz, opened_due text,
      -- The first task_completed or task_cancelled: when, which, and the decision it records.
      closed_id bigint, closed_at timestamptz, closed_action text, closed_decision text,
      -- The first task_completed: the level of the first legal basis its form gave (form.basis[0].level).
      completed_id bigint, basis_level text,
      -- Each task_due_extended that set a due time (a string new_value.dueAt), in the trail's order: its id, when, the due time.
      extension_ids bigint[], extension_ats timestamptz[], extension_dues text[],
      -- When each task_urged and task_escalated was appended, earliest first.
      urges timestamptz[], escalations timestamptz[]
    -- Room on the page for a row's later versions (an urging, an extension).
    ) with (fillfactor = 90)`.execute(db);

  // The fold, from the rows and the trail themselves: what the table must hold (its backfill below; what verify
  // compares it with). Every task, those whose trail says nothing too.
  await sql`
    create view task_trail_folds as
    select t.id as task_id, t.request_id, r.type as procedure, r.case_number, t.kind, t.candidate_org, t.candidate_role, t.created_at,
      f.opened_id, f.opened_at, f.opened_due, f.closed_id, f.closed_at, f.closed_action, f.closed_decision, f.completed_id, f.basis_level,
      f.extension_ids, f.extension_ats, f.extension_dues, f.urges, f.escalations
    from tasks t
    join requests r on r.id = t.request_id
    left join (
      select e.task_id,
        (array_agg(e.id order by e.id) filter (where e.action = 'task_opened'))[1] as opened_id,
        (array_agg(e.at order by e.id) filter (where e.action = 'task_opened'))[1] as opened_at,
        (array_agg(e.new_value->>'dueAt' order by e.id) filter (where e.action = 'task_opened'))[1] as opened_due,
        (array_agg(e.id order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_id,
        (array_agg(e.at order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_at,
        (array_agg(e.action order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_action,
        (array_agg(e.decision order by e.id) filter (where e.action in ('task_completed', 'task_cancelled')))[1] as closed_decision,
        (array_agg(e.id order by e.id) filter (where e.action = 'task_completed'))[1] as completed_id,
        (array_agg(e.new_value->'form'->'basis'->0->>'level' order by e.id) filter (where e.action = 'task_completed'))[1] as basis_level,
        array_agg(e.id order by e.id) filter (where e.action = 'task_due_extended' and jsonb_typeof(e.new_value->'dueAt') = 'string') as extension_ids,
        array_agg(e.at order by e.id) filter (where e.action = 'task_due_extended' and jsonb_typeof(e.new_value->'dueAt') = 'string') as extension_ats,
        array_agg(e.new_value->>'dueAt' order by e.id)
          filter (where e.action = 'task_due_extended' and jsonb_typeof(e.new_value->'dueAt') = 'string') as extension_dues,
        array_agg(e.at order by e.at) filter (where e.action = 'task_urged') as urges,
        array_agg(e.at order by e.at) filter (where e.action = 'task_escalated') as escalations
      from audit_events e
      where e.task_id is not null
        and e.action in ('task_opened', 'task_completed', 'task_cancelled', 'task_due_extended', 'task_urged', 'task_escalated')
      group by e.task_id
    ) f on f.task_id = t.id`.execute(db);

  // Each event appended folded into its task's row, in the appending transaction (an event and its fold commit
  // together). The task's row is written in the same statement as its opening event, or before it (activities/tasks.ts):
  // an AFTER trigger sees it. An event of no known task folds into nothing (the view has none either).
  await sql`
    create function task_trails_fold() returns trigger language plpgsql as $$
    begin
      -- The opening (the first event of a task, as the procedures write them) makes the task's row.
      if new.action = 'task_opened' then
        insert into task_trails as s (task_id, request_id, procedure, case_number, kind, candidate_org, candidate_role, created_at,
                                      opened_id, opened_at, opened_due)
        select t.id, t.request_id, r.type, r.case_number, t.kind, t.candidate_org, t.candidate_role, t.created_at,
               new.id, new.at, new.new_value->>'dueAt'
        from tasks t join requests r on r.id = t.request_id where t.id = new.task_id
        on conflict (task_id) do update set opened_id = excluded.opened_id, opened_at = excluded.opened_at, opened_due = excluded.opened_due
          where s.opened_id is null or excluded.opened_id < s.opened_id;
        return null;
      end if;
      -- Any other event of a task whose opening is not on the trail makes it too.
      if not exists (select 1 from task_trails where task_id = new.task_id) then
        insert into task_trails (task_id, request_id, procedure, case_number, kind, candidate_org, candidate_role, created_at)
        select t.id, t.request_id, r.type, r.case_number, t.kind, t.candidate_org, t.candidate_role, t.created_at
        from tasks t join requests r on r.id = t.request_id where t.id = new.task_id
        on conflict (task_id) do nothing;
      end if;
      if new.action in ('task_completed', 'task_cancelled') then
        -- The first closing; a completion that is the first closing is the first completion too (a completion closes).
        update task_trails set closed_id = new.id, closed_at = new.at, closed_action = new.action, closed_decision = new.decision,
            completed_id = case when new.action = 'task_completed' then new.id else completed_id end,
            basis_level = case when new.action = 'task_completed' then new.new_value->'form'->'basis'->0->>'level' else basis_level end
          where task_id = new.task_id and (closed_id is null or new.id < closed_id);
        if not found and new.action = 'task_completed' then
          update task_trails set completed_id = new.id, basis_level = new.new_value->'form'->'basis'->0->>'level'
          where task_id = new.task_id and (completed_id is null or new.id < completed_id);
        end if;
      elsif new.action = 'task_due_extended' then
        if jsonb_typeof(new.new_value->'dueAt') = 'string' then
          update task_trails s set (extension_ids, extension_ats, extension_dues) = (
            select array_agg(i order by i), array_agg(a order by i), array_agg(d order by i)
            from unnest(s.extension_ids || new.id, s.extension_ats || new.at, s.extension_dues || (new.new_value->>'dueAt')) u(i, a, d))
          where task_id = new.task_id;
        end if;
      elsif new.action = 'task_urged' then
        update task_trails s set urges = (select array_agg(a order by a) from unnest(s.urges || new.at) a) where task_id = new.task_id;
      elsif new.action = 'task_escalated' then
        update task_trails s set escalations = (select array_agg(a order by a) from unnest(s.escalations || new.at) a) where task_id = new.task_id;
      end if;
      return null;
    end $$`.execute(db);

  // The tasks that bear on a period found from the index alone, and a request's tasks by its key.
  await sql`create index task_trails_org_span on task_trails (candidate_org, (coalesce(closed_at, 'infinity'::timestamptz)))
            include (opened_at, created_at, closed_at, candidate_role, request_id)`.execute(db);
  await sql`create index task_trails_request on task_trails (request_id)`.execute(db);

  // The tasks written before: folded from their rows and the trail, then each new event as it comes (the trail is
  // locked meanwhile: an event appended between the two would be in neither).
  await sql`lock table audit_events in share row exclusive mode`.execute(db);
  await sql`insert into task_trails select * from task_trail_folds`.execute(db);
  await sql`create trigger audit_events_task_trail after insert on audit_events for each row
    when (new.task_id is not null
      and new.action in ('task_opened', 'task_completed', 'task_cancelled', 'task_due_extended', 'task_urged', 'task_escalated'))
    execute function task_trails_fold()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists audit_events_task_trail on audit_events`.execute(db);
  await sql`drop function if exists task_trails_fold()`.execute(db);
  await sql`drop view if exists task_trail_folds`.execute(db);
  await sql`drop table if exists task_trails`.execute(db);
}
