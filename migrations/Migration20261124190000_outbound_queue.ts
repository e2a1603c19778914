import { Migration } from '@mikro-orm/migrations';

/**
 * The outbound message row is its own queue entry: `next_attempt_at` says when it is due, `lease_until`
 * how long the instance that claimed it may keep it. graphile-worker's `outbound_send` jobs are gone.
 *
 * Why: a graphile-worker job per SMS cost `add_job` in sendSms's transaction, then `get_job`,
 * `complete_job` and a claim commit per message in the worker: two cores topped out near 490 SMS/s
 * sendSms-to-provider (bench/README.md, "Outbound"). Claiming due rows in batches (FOR UPDATE SKIP
 * LOCKED) and writing SENT for a batch leaves one commit per message, the sendSms one.
 *
 * The partial index holds only messages waiting to go out, so inbound inserts and sent messages never
 * touch it. Messages already queued are due at once (the column's default, also for rows an instance of
 * the old code still inserts); their old jobs are removed (the schema `graphile_worker` exists only once
 * a worker has run). Stop the old instances before migrating: a send job an old worker holds survives
 * `remove_job`, and its old claim knows nothing of leases.
 */
export class Migration20261124190000_outbound_queue extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "message" add column "next_attempt_at" timestamptz null default now(), add column "lease_until" timestamptz null;`,
    );
    this.addSql(
      `create index "message_outbound_due" on "message" ("next_attempt_at") where "direction" = 'OUTBOUND' and "status" = 'QUEUED';`,
    );
    this.addSql(`do $$
begin
  if to_regclass('graphile_worker.jobs') is not null then
    perform graphile_worker.remove_job(key) from graphile_worker.jobs where key like 'outbound\\_send:%';
  end if;
end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "message_outbound_due";`);
    this.addSql(`alter table "message" drop column "lease_until", drop column "next_attempt_at";`);
  }
}
