import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '@graphql-codegen/cli';
import config, { OUTPUT } from '../../codegen';

/*
 * The example operations of docs/operations/ through the checked-in GraphQL Code Generator config, as a typed
 * client would use them: generated from schema.graphql (which test/e2e/schema.test.ts keeps equal to the code)
 * into a temporary directory, then a client of the typed documents is type-checked.
 */
const root = path.join(__dirname, '../..');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-codegen-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

/** Runs the config's outputs into `dir` instead of OUTPUT, with extra documents beside the examples. */
function run(dir: string, extraDocuments: string[] = []) {
  const generates = Object.fromEntries(
    Object.entries(config.generates).map(([to, output]) => [
      path.join(dir, to.slice(OUTPUT.length)) + (to.endsWith('/') ? '/' : ''),
      output,
    ]),
  );
  const documents = [...(config.documents as string[]), ...extraDocuments];
  return generate({ ...config, documents, cwd: root, silent: true, generates }, true);
}

/** tsc's errors for `files`, resolving packages from the repository's node_modules. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
    paths: { '*': [path.join(root, 'node_modules/*')] },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

/** A client of the typed documents: what the examples promise a typed client, checked by the compiler. */
const CLIENT = `
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import {
  LoginDocument, CreateGatewayDocument, TestGatewayDocument, DeleteGatewayDocument, CustomerCardDocument,
  SendSmsDocument, MessageStatusChangedDocument, NotificationAddedDocument, NotificationsAfterDocument,
  type MessageStatus,
} from './graphql';
import type { ErrorCode, ErrorExtensions } from './schema-types';

const login: VariablesOf<typeof LoginDocument> = { email: 'admin@example.com', password: 'secret-password' };
export const token: string = ({} as ResultOf<typeof LoginDocument>).login.token;
export const mailbox: VariablesOf<typeof CreateGatewayDocument> = {
  input: { name: 'Office', provider: 'SMSAPI', password: 'token', incomingActive: true, destinationNumber: '+48500100200' },
};
export const test: VariablesOf<typeof TestGatewayDocument> = { id: '1', sendTestSmsTo: '+48500100300' };
export const okay: boolean = ({} as ResultOf<typeof TestGatewayDocument>).testGateway.checks[0].ok;
export const deleted: string = ({} as ResultOf<typeof DeleteGatewayDocument>).deleteGateway;
export const numbers: string[] = ({} as ResultOf<typeof CustomerCardDocument>).customer.phoneNumbers;
export const send: VariablesOf<typeof SendSmsDocument> = { input: { customerId: '7', text: 'Your order has shipped' } };
// @ts-expect-error: an SMS needs its text
export const noText: VariablesOf<typeof SendSmsDocument> = { input: { customerId: '7' } };
export const status: MessageStatus = ({} as ResultOf<typeof MessageStatusChangedDocument>).messageStatusChanged.status;
export const expired: MessageStatus = 'EXPIRED';
// @ts-expect-error: not a status
export const lost: MessageStatus = 'LOST';
export const title: string = ({} as ResultOf<typeof NotificationAddedDocument>).notificationAdded.title;
export const next: string | null | undefined = ({} as ResultOf<typeof NotificationsAfterDocument>).notifications.pageInfo.endCursor;
export const refused: ErrorCode = 'OPTED_OUT';
export const retry: ErrorExtensions = { code: 'RATE_LIMITED', retryAfterSeconds: 30 };
// @ts-expect-error: not an error code of the API
export const unknown: ErrorCode = 'TEAPOT';
export { login };
`;

describe('GraphQL Code Generator', () => {
  it('makes typed documents of the example operations that a typed client compiles against', async () => {
    const dir = path.join(temp, 'ok');
    const files: { filename: string }[] = await run(dir);
    expect(files.map((f) => path.basename(f.filename)).sort()).toEqual([
      'gql.ts',
      'graphql.ts',
      'index.ts',
      'schema-types.ts',
    ]);
    fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT);
    expect(typeErrors(['client.ts', 'index.ts', 'schema-types.ts'].map((f) => path.join(dir, f)))).toEqual([]);
  });

  it('fails on an example that no longer matches the schema', async () => {
    const stale = path.join(temp, 'stale.graphql');
    fs.writeFileSync(stale, 'mutation Stale($id: ID!) { deleteGateway(id: $id) { id } }\n');
    await expect(run(path.join(temp, 'stale'), [stale])).rejects.toThrow(/deleteGateway|selection|subfields/i);
  });
});
