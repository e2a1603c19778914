import crypto from 'node:crypto';

/**
 * What an incoming X-Request-Id must look like to be kept: a short token of letters, digits and `._:-` (UUIDs,
 * ULIDs, a proxy's or a load balancer's ids). Anything else (too long, spaces, control characters that could
 * forge log lines or headers) is replaced with an id of our own.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The response header that carries the id, the same name a client or proxy may send it in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The id of a request: the caller's X-Request-Id when it is a sane token, else a new random UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : crypto.randomUUID();
}
