import { generateKey, open, parseKeyring, seal, UnknownKeyError } from '../../../../core/crypto/keyring';

describe('keyring', () => {
  const k1 = generateKey();
  const k2 = generateKey();

  it('seals with the first key and opens with any key it still has (rotation)', () => {
    const old = parseKeyring(`k1:${k1}`, 'KEYS');
    const sealed = seal(old, Buffer.from('secret'), Buffer.from('doc-1'));
    expect(sealed.keyId).toBe('k1');
    expect(sealed.data.includes(Buffer.from('secret'))).toBe(false);

    const rotated = parseKeyring(`k2:${k2},k1:${k1}`, 'KEYS');
    expect(rotated.activeId).toBe('k2');
    expect(open(rotated, sealed, Buffer.from('doc-1')).toString()).toBe('secret');
    expect(seal(rotated, Buffer.from('x')).keyId).toBe('k2');
  });

  it('refuses data moved to another document, altered, or sealed under a key it no longer has', () => {
    const ring = parseKeyring(`k1:${k1}`, 'KEYS');
    const sealed = seal(ring, Buffer.from('secret'), Buffer.from('doc-1'));
    expect(() => open(ring, sealed, Buffer.from('doc-2'))).toThrow();
    const altered = { ...sealed, data: Buffer.from(sealed.data) };
    altered.data[0] = altered.data[0]! ^ 1;
    expect(() => open(ring, altered, Buffer.from('doc-1'))).toThrow();
    expect(() => open(parseKeyring(`k2:${k2}`, 'KEYS'), sealed, Buffer.from('doc-1'))).toThrow(
      UnknownKeyError,
    );
  });

  it('names the variable and the entry, never the key, when an entry is bad', () => {
    expect(() => parseKeyring('', 'KEYS')).toThrow(/KEYS: expected id:base64key/);
    expect(() => parseKeyring('nocolon', 'KEYS')).toThrow(/KEYS: entry 1: expected id:base64key/);
    expect(() => parseKeyring(`k1:${k1},k2:c2hvcnQ=`, 'KEYS')).toThrow(
      /entry 2 \(k2\): expected a key of 32 bytes/,
    );
    expect(() => parseKeyring(`k1:${k1},k1:${k2}`, 'KEYS')).toThrow(/k1 appears twice/);
    let message = '';
    try {
      parseKeyring(`k1:${k1},bad key:${k2}`, 'KEYS');
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/KEYS: entry 2/);
    expect(message).not.toContain(k1);
    expect(message).not.toContain(k2);
  });
});
