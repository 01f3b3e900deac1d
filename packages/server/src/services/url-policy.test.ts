import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { parseAllowList, UrlPolicy } from './url-policy.js';

// Real: the policy, node's BlockList and DNS for "localhost" (resolved from /etc/hosts, no network).

const policy = new UrlPolicy();

describe('UrlPolicy', () => {
  it.each([
    'file:///etc/passwd',
    'data:text/plain,hello',
    'ftp://example.org/x.iso',
    'gopher://example.org/',
    'javascript:alert(1)',
    'not a url',
    'http://user:pw@example.org/x.iso',
    'http://user@example.org/x.iso',
  ])('refuses %s', (url) => {
    expect(() => policy.checkUrl(url)).toThrow(ValidationError);
  });

  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'ff02::1',
  ])('refuses the address %s', (address) => {
    expect(policy.addressAllowed(address)).toBe(false);
    const host = address.includes(':') ? `[${address}]` : address;
    expect(() => policy.checkUrl(`http://${host}/x.iso`)).toThrow(/not allowed/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:1.1.1.1'])(
    'allows the public address %s',
    (address) => {
      expect(policy.addressAllowed(address)).toBe(true);
    },
  );

  it('allows what the operator listed, and only that', () => {
    const lab = new UrlPolicy(parseAllowList('127.0.0.1, 10.0.0.0/8 fd00::/8'));
    expect(lab.addressAllowed('127.0.0.1')).toBe(true);
    expect(lab.addressAllowed('127.0.0.2')).toBe(false);
    expect(lab.addressAllowed('10.9.8.7')).toBe(true);
    expect(lab.addressAllowed('192.168.0.1')).toBe(false);
    expect(lab.addressAllowed('fd12::1')).toBe(true);
    expect(lab.checkUrl('http://127.0.0.1:8000/a.iso').port).toBe('8000');
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/bad prefix/);
    expect(() => parseAllowList('example.org')).toThrow(/not an IP/);
  });

  it('refuses a host name that resolves to a refused address, at check time and at connect time', async () => {
    await expect(policy.checkHost(new URL('http://localhost/x.iso'))).rejects.toThrow(/not allowed/);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      policy.lookup('localhost', {}, (e) => resolve(e));
    });
    expect(err?.code).toBe('EADDRNOTALLOWED');
    const lab = new UrlPolicy(parseAllowList('127.0.0.0/8 ::1'));
    await expect(lab.checkHost(new URL('http://localhost/x.iso'))).resolves.toBeUndefined();
  });
});
