import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, isEnumType, isObjectType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { createSchema, schemaText } from '../../src/graphql/schema';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { migrate } from '../../src/db/database';
import { createTestDatabase } from '../support/app';
import { PROVIDER_IDS_IN_ORDER } from '../support/providers';

describe('schema.graphql', () => {
  it('is what the code emits (run `npm run schema` after changing the API)', async () => {
    const checkedIn = fs.readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8');
    expect(checkedIn).toBe(schemaText(await createSchema()));
  });

  it('keeps the contract names the frontend depends on', async () => {
    // Read through the schema, not the text: descriptions stand between the names.
    const schema = buildSchema(schemaText(await createSchema()));
    /** `field(arg,…)` of a root type, as the contract names it. */
    const signatures = (type: GraphQLObjectType | null | undefined) =>
      Object.values(type?.getFields() ?? {}).map((f) => `${f.name}(${f.args.map((a) => a.name).join(',')})`);
    const queries = signatures(schema.getQueryType());
    for (const name of ['me()', 'providers()', 'gateways()', 'gateway(id)', 'queues()', 'messageRules()', 'settings()'])
      expect(queries).toContain(name);
    expect(queries.find((q) => q.startsWith('customers('))).toMatch(/search/);
    expect(queries).toContain('customer(id)');
    const mutations = signatures(schema.getMutationType()).map((m) => m.slice(0, m.indexOf('(')));
    for (const name of [
      'login',
      'createUser',
      'createApiToken',
      'createGateway',
      'updateGateway',
      'deleteGateway',
      'createQueue',
      'createMessageRule',
      'updateMessageRule',
      'deleteMessageRule',
      'createCustomer',
      'updateCustomer',
      'updateSettings',
    ])
      expect(mutations).toContain(name);
    const providers = schema.getType('ProviderId');
    expect(isEnumType(providers) && providers.getValues().map((v) => v.name)).toEqual(PROVIDER_IDS_IN_ORDER);
    // Secrets are write-only: no output type has them.
    const gateway = schema.getType('Gateway');
    const fields = isObjectType(gateway) ? Object.keys(gateway.getFields()) : [];
    expect(fields).toContain('hasPassword');
    for (const secret of ['password', 'certificatePem', 'webhookToken']) expect(fields).not.toContain(secret);
  });
});

describe('migrations/', () => {
  it('build the database the entities describe (a generated migration would be empty)', async () => {
    const orm = await MikroORM.init(ormConfig(await createTestDatabase(), { pool: { min: 0, max: 2 } }));
    try {
      await migrate(orm);
      // Tables without an entity (login_attempt, graphile-worker's schema) must be skipped, not dropped.
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
    } finally {
      await orm.close(true);
    }
  });
});
