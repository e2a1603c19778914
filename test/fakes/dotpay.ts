import { FakeServer, type Answer, type Recorded } from './base';

/** Fake Dotpay: check_code.php only (Premium SMS; there is no send API to fake). */
export class FakeDotpay extends FakeServer {
  protected handle(r: Recorded): Answer {
    if (r.path !== '/check_code.php') return { status: 404, body: 'Not Found' };
    return { status: 200, body: '0\n' };
  }
}
