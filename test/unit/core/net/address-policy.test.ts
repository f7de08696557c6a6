import { createAddressPolicy, parseCidr } from '../../../../core/net/address-policy';

describe('address policy', () => {
  const policy = createAddressPolicy();

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT (shared) address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['192.0.2.10', 'a reserved, benchmarking or documentation address'],
    ['198.18.0.1', 'a reserved, benchmarking or documentation address'],
    ['203.0.113.5', 'a reserved, benchmarking or documentation address'],
    ['240.0.0.1', 'a reserved, benchmarking or documentation address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fc00::1', 'a private (unique local) address'],
    ['fd12:3456::1', 'a private (unique local) address'],
    ['ff02::1', 'a multicast address'],
    ['2001:db8::1', 'a reserved or documentation address'],
    ['4000::1', 'an unassigned IPv6 address'],
  ])('refuses %s as %s', (address, kind) => {
    expect(policy.check(address)).toEqual({ address, kind });
  });

  it.each([
    ['[::ffff:127.0.0.1]', 'a loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:7f00:1', 'a loopback address (IPv4-mapped 127.0.0.1)'],
    ['::ffff:169.254.169.254', 'a link-local address (IPv4-mapped 169.254.169.254)'],
    ['::ffff:10.1.2.3', 'a private address (IPv4-mapped 10.1.2.3)'],
    ['::7f00:1', 'a loopback address (IPv4-compatible 127.0.0.1)'],
    ['::ffff:0:a00:1', 'a private address (IPv4-translated 10.0.0.1)'],
    ['64:ff9b::7f00:1', 'a loopback address (NAT64 127.0.0.1)'],
    ['64:ff9b::a9fe:a9fe', 'a link-local address (NAT64 169.254.169.254)'],
    ['64:ff9b:1::1', 'a local-use NAT64 address'],
    ['2002:c0a8:101::1', 'a private address (6to4 192.168.1.1)'],
  ])('judges %s by the IPv4 address it carries: %s', (address, kind) => {
    expect(policy.check(address)).toEqual({ address, kind });
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1', '::ffff:93.184.216.34', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(policy.check(address)).toBeUndefined();
    },
  );

  it('refuses what is not an IP address, including loose IPv4 spellings a resolver would expand', () => {
    for (const value of ['example.com', '127.1', '0x7f000001', '2130706433', '']) {
      expect(policy.check(value)).toEqual({ address: value, kind: 'not an IP address' });
    }
  });

  it("refuses the service's own addresses, public or not, in any IPv6 spelling", () => {
    const own = createAddressPolicy({ ownAddresses: ['93.184.216.34', '2606:4700::1111'] });
    expect(own.check('93.184.216.34')).toEqual({
      address: '93.184.216.34',
      kind: "this service's own address",
    });
    expect(own.check('2606:4700:0:0:0:0:0:1111')?.kind).toBe("this service's own address");
    expect(own.check('::ffff:93.184.216.34')?.kind).toMatch(/^this service's own address/);
    expect(own.check('93.184.216.35')).toBeUndefined();
    // Its special addresses are reported as what they are.
    const local = createAddressPolicy({ ownAddresses: ['127.0.0.1', '::1', '10.0.0.5'] });
    expect(local.check('::1')?.kind).toBe('a loopback address');
    expect(local.check('10.0.0.5')?.kind).toBe('a private address');
  });

  it('lets through exactly the allowed CIDRs, ahead of every other rule', () => {
    const allowing = createAddressPolicy({
      allowedCidrs: ['127.0.0.1/32', '10.20.0.0/16', 'fd00::/8'],
      ownAddresses: ['127.0.0.1'],
    });
    expect(allowing.check('127.0.0.1')).toBeUndefined();
    expect(allowing.check('::ffff:127.0.0.1')).toBeUndefined();
    expect(allowing.check('10.20.3.4')).toBeUndefined();
    expect(allowing.check('fd00::5')).toBeUndefined();
    expect(allowing.check('127.0.0.2')?.kind).toBe('a loopback address');
    expect(allowing.check('10.21.0.1')?.kind).toBe('a private address');
    expect(allowing.check('::1')?.kind).toBe('a loopback address');
  });

  it('refuses a malformed CIDR, naming it', () => {
    expect(parseCidr(' 10.0.0.0/8 ')[1]).toBe(8);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/"10.0.0.0\/33"/);
    expect(() => createAddressPolicy({ allowedCidrs: ['localhost'] })).toThrow(/expected a CIDR/);
  });
});
