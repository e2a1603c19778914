import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createAgent, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { scanLogs } from '../support/log-scan';
import { serwersmsFromTemplate, smsapiSms } from '../fakes/push/providers';
import { wsClient } from '../support/ws';
import { pem } from '../fakes/base';

/*
 * Every flow that handles a secret or a message text, with this app's log captured at info level (the level
 * production runs at), then a scan for each secret and text literally, plus the generic rules (bearer tokens,
 * PEM keys, Authorization values, tokens in URLs). global-setup scans the whole run's logs the same way.
 */

let t: TestApp;
const S = {
  agentPassword: 'Agent-Pa55-Log-Scan-1',
  newPassword: 'Agent-Pa55-Log-Scan-2',
  wrongPassword: 'Wrong-Pa55-Log-Scan-3',
  gatewayPassword: 'Gw-Pa55-Log-Scan-4',
  webhookToken: 'Webhook-Token-Log-Scan-5',
  serwerToken: 'Serwer-Token-Log-Scan-6',
  headerValue: 'Header-ApiKey-Log-Scan-7',
  inboundText: 'Inbound text that must stay out of the logs 8',
  inboundText2: 'Druga wiadomość z linku SerwerSMS 9',
  outboundText: 'Outbound text that must stay out of the logs 10',
  replyText: 'Reply text that must stay out of the logs 11',
  badRequestText: 'Malformed request text 12',
};
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('logs at info level', () => {
  it('capture works: the app writes info lines to its log file', () => {
    expect(t.logFile, 'TEST_LOGS=off: nothing to scan').toBeTruthy();
  });

  it('hold no password, token, private key, header value or message text after the flows that carry them', async () => {
    if (!t.logFile) return;
    const admin = await t.login();
    issued.push(admin);
    // Users, logins (right and wrong), password change, API tokens.
    const agent = await createAgent(t, admin, 'Log Scan');
    issued.push(agent.token);
    await t.gql(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, {
      e: agent.email,
      p: S.wrongPassword,
    });
    ok(
      await t.gql(
        `mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`,
        { i: { email: 'scan2@log.test', name: 'Scan Two', password: S.agentPassword, role: 'AGENT' } },
        admin,
      ),
    );
    const second = await t.login('scan2@log.test', S.agentPassword);
    issued.push(second);
    ok(
      await t.gql(
        `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`,
        { c: S.agentPassword, n: S.newPassword },
        second,
      ),
    );
    const api = ok(
      await t.gql(`mutation { createApiToken(input: { name: "scan" }) { token apiToken { id } } }`, {}, admin),
    ).createApiToken;
    issued.push(api.token);
    // A GET with a password in the URL (Apollo refuses mutations over GET, but the URL reaches the log line).
    await fetch(
      `${t.url}/graphql?query=${encodeURIComponent(`mutation { login(email: "${ADMIN.email}", password: "${ADMIN.password}") { token } }`)}`,
      { headers: { 'apollo-require-preflight': '1' } },
    );
    // A socket authenticated by a token.
    const ws = wsClient(t.url, api.token);
    await new Promise<void>((resolve) =>
      ws.subscribe({ query: '{ me { id } }' }, { next: () => {}, error: () => resolve(), complete: () => resolve() }),
    );
    await ws.dispose();

    // Mailboxes with every kind of secret, created and updated.
    const g = await createGateway(t, admin, {
      name: 'Scan SMSAPI',
      provider: 'SMSAPI',
      password: S.gatewayPassword,
      webhookToken: S.webhookToken,
      destinationNumber: '48732000111',
      incomingActive: true,
      apiBaseUrl: 'http://127.0.0.1:9',
    });
    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id: g.id, i: { password: S.gatewayPassword, webhookToken: S.webhookToken } },
        admin,
      ),
    );
    await t.gql(
      `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`,
      {
        i: {
          name: 'Scan MultiInfo',
          provider: 'MULTIINFO',
          login: 'l',
          password: S.gatewayPassword,
          serviceId: 1,
          host: 'api1.multiinfo.plus.pl',
          certificatePem: pem('client-bundle.pem'),
          destinationNumber: '7968',
        },
      },
      admin,
    );
    await t.gql(
      `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`,
      {
        i: {
          name: 'Scan Generic',
          provider: 'GENERIC_HTTP',
          genericHttp: {
            method: 'POST',
            urlTemplate: 'http://127.0.0.1:9/send',
            headers: [{ name: 'X-Api-Key', value: S.headerValue }],
          },
        },
      },
      admin,
    );
    // A PEM key refused as invalid input still must not be echoed into a log.
    await t.gql(
      `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`,
      { i: { name: 'Bad PEM', provider: 'MULTIINFO', certificatePem: pem('client-key.pem').slice(0, 200) } },
      admin,
    );
    const serwer = await createGateway(t, admin, {
      name: 'Scan SerwerSMS',
      provider: 'SERWERSMS',
      password: S.gatewayPassword,
      destinationNumber: '48739000222',
      incomingActive: true,
      webhookToken: S.serwerToken,
    });

    // Inbound: token in the query, in a header, wrong token, text in the URL (SerwerSMS), malformed and unknown routes.
    expect(
      (
        await smsapiSms(
          t.url,
          { to: '48732000111', from: '48500600700', text: S.inboundText, msgId: 'SCAN-1' },
          { token: S.webhookToken },
        )
      ).body,
    ).toBe('OK');
    await smsapiSms(
      t.url,
      { to: '48732000111', from: '48500600700', text: S.inboundText, msgId: 'SCAN-2' },
      { headers: { 'x-webhook-token': S.webhookToken } },
    );
    await smsapiSms(
      t.url,
      { to: '48732000111', from: '48500600700', text: S.inboundText, msgId: 'SCAN-3' },
      { token: `${S.webhookToken}-wrong` },
    );
    const template = serwer.webhookUrl!.replace('https://smsdesk.example.com', t.url);
    expect(
      (
        await serwersmsFromTemplate(
          template,
          { from: '48500600704', text: S.inboundText2, date: '2024-05-29 12:20:34', id: 'SCAN-4' },
          { replaceToken: S.serwerToken },
        )
      ).status,
    ).toBe(200);
    await fetch(`${t.url}/panel/tickets/incoming/smsapi?token=${S.webhookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"sms_text": "${S.badRequestText}"`,
    });
    await fetch(
      `${t.url}/panel/tickets/incoming/nosuchprovider?token=${S.webhookToken}&sms_text=${encodeURIComponent(S.inboundText)}`,
    );
    await fetch(`${t.url}/panel/tickets/incoming/smsapi/dlr?token=${S.webhookToken}&MsgId=nope&status=403`);
    await fetch(`${t.url}/nowhere?token=${S.webhookToken}`, {
      headers: { authorization: `Bearer ${api.token}`, 'x-webhook-token': S.webhookToken },
    });

    // Outbound: a send and a reply through a mailbox whose provider is unreachable (the worker logs its retries).
    const customer = ok(
      await t.gql(
        `mutation { createCustomer(input: { name: "Scan", phoneNumbers: ["+48500600701"] }) { id } }`,
        {},
        admin,
      ),
    ).createCustomer;
    ok(
      await t.gql(
        `mutation($i: SendSmsInput!) { sendSms(input: $i) { id } }`,
        { i: { customerId: customer.id, text: S.outboundText, gatewayId: g.id } },
        admin,
      ),
    );
    const [ticket] = await t.sql(`select id from ticket limit 1`);
    await t.gql(
      `mutation($id: ID!, $text: String!) { replyToTicket(ticketId: $id, text: $text) { id } }`,
      { id: String(ticket.id), text: S.replyText },
      admin,
    );
    await new Promise((r) => setTimeout(r, 1500));

    const log = fs.readFileSync(t.logFile, 'utf8');
    expect(log).toContain('"level":30'); // info lines were written
    expect(log).toMatch(/incoming request/);
    // The unknown URL was logged, by path only (it carried a token).
    expect(log).toContain('/nowhere?[redacted]');
    const findings = scanLogs([t.logFile], [ADMIN.password, 'agent-pass-1', ...Object.values(S), ...issued]);
    expect(findings, JSON.stringify(findings, null, 1)).toEqual([]);
  });
});
