import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../../src/graphql/schema';
import { undescribed } from '../support/undescribed';

/*
 * Client developers read the schema, not our code: every type, field, argument, input field and enum value says
 * what it means. The failure names each element without a description, so whoever added it knows what to write.
 */
describe('schema descriptions', () => {
  it('describe every element of the schema the app builds', async () => {
    expect(undescribed(await createSchema())).toEqual([]);
  });

  it('describe every element of schema.graphql', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8');
    expect(undescribed(buildSchema(text))).toEqual([]);
  });

  it('finds an element without one, by name', () => {
    const schema = buildSchema(`
      "Root" type Query { "f" f(a: Int, "b" b: Int): T }
      "T" type T { x: String }
      enum E { "A" A B }
      "S" scalar S
      scalar U
      input I { "y" y: Int }
    `);
    expect(undescribed(schema).sort()).toEqual(['E', 'E.B', 'I', 'Query.f(a)', 'T.x', 'U']);
  });
});
