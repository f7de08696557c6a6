import { signPayload, verifySignature } from '../../../../consumers/notifications/signature';
import { backoffDelay } from '../../../../core/backoff';

describe('webhook signatures', () => {
  const secret = 'whsec-0123456789abcdef';
  const body = JSON.stringify({ id: 'n-1', type: 'order.notification', data: { total: '€12.50' } });
  const t = 1_767_000_000;

  it('have the form t=<unix seconds>,v1=<64 hex>', () => {
    expect(signPayload(secret, t, body)).toMatch(/^t=1767000000,v1=[0-9a-f]{64}$/);
  });

  it('round-trip: a signature made now verifies, for a string or the raw bytes', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body, 300, t)).toBe(true);
    expect(verifySignature(secret, header, Buffer.from(body), 300, t + 299)).toBe(true);
  });

  it('reject a tampered body, a wrong secret, a moved timestamp and a malformed header', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body.replace('12.50', '1.25'), 300, t)).toBe(false);
    expect(verifySignature('whsec-another-secret-0000', header, body, 300, t)).toBe(false);
    expect(verifySignature(secret, header.replace(`t=${t}`, `t=${t + 60}`), body, 300, t)).toBe(false);
    expect(verifySignature(secret, undefined, body, 300, t)).toBe(false);
    expect(verifySignature(secret, `v1=${header.split('v1=')[1]}`, body, 300, t)).toBe(false);
    expect(verifySignature(secret, `t=${t},v1=abc`, body, 300, t)).toBe(false);
  });

  it('reject a stale or future timestamp beyond the tolerance', () => {
    const header = signPayload(secret, t, body);
    expect(verifySignature(secret, header, body, 300, t + 301)).toBe(false);
    expect(verifySignature(secret, header, body, 300, t - 301)).toBe(false);
    expect(verifySignature(secret, header, body, 600, t + 301)).toBe(true);
  });

  it('accept any one of several v1 signatures (secret rotation)', () => {
    const old = signPayload('whsec-old-secret-0000000', t, body).split('v1=')[1];
    const header = `${signPayload(secret, t, body)},v1=${old}`;
    expect(verifySignature(secret, header, body, 300, t)).toBe(true);
    expect(verifySignature('whsec-old-secret-0000000', header, body, 300, t)).toBe(true);
  });
});

describe('webhook retry backoff', () => {
  it('doubles from initialMs after each failure, capped at maxMs', () => {
    const backoff = { initialMs: 50, maxMs: 400 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, backoff))).toEqual([50, 100, 200, 400, 400, 400]);
  });

  it('never exceeds the cap, even after very many failures', () => {
    expect(backoffDelay(2000, { initialMs: 1000, maxMs: 3_600_000 })).toBe(3_600_000);
  });
});
