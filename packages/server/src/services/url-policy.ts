/**
 * Where the server may download images from. Only `http:` and `https:` URLs without credentials; every address the
 * host name resolves to must be a public unicast address — loopback, private, link-local, shared, multicast,
 * unspecified and documentation ranges (IPv4 and IPv6, IPv4-mapped included) are refused unless the operator allowed
 * them (`GUREUM_DOWNLOAD_ALLOW`, CIDR list), so a user cannot make the server fetch from itself or from the host's
 * private networks. The check runs where the connection is made (the `lookup` of the HTTP request), so a name that
 * resolves differently the second time (DNS rebinding) is caught too.
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ValidationError } from '../domain/errors.js';

const REFUSED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const REFUSED_V6: readonly [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

/** A parsed `GUREUM_DOWNLOAD_ALLOW` entry. */
export interface AllowedNet {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8, 127.0.0.1, fd00::/8`; throws on anything else (a typo must not open or close the door). */
export function parseAllowList(text: string): AllowedNet[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((item) => {
      const [address = '', bits] = item.split('/');
      const version = isIP(address);
      if (version === 0) throw new Error(`not an IP address or CIDR: ${item}`);
      const max = version === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix in ${item}`);
      return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
    });
}

export class UrlPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allow: readonly AllowedNet[] = []) {
    for (const [net, prefix] of REFUSED_V4) this.refused.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of REFUSED_V6) this.refused.addSubnet(net, prefix, 'ipv6');
    for (const a of allow) this.allowed.addSubnet(a.address, a.prefix, a.family);
  }

  /** True when the server may connect to this address. */
  addressAllowed(address: string): boolean {
    const version = isIP(address);
    if (version === 0) return false;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped !== undefined) return this.addressAllowed(mapped);
    if (this.allowed.check(address, family)) return true;
    return !this.refused.check(address, family);
  }

  /**
   * Checks a URL's form: `http:`/`https:` only, no user or password, a host. Returns the URL; 400
   * VALIDATION_FAILED naming `field` otherwise. (Addresses are checked when connecting: {@link lookup}.)
   */
  checkUrl(text: string, field = '/body/source/url'): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid(field, 'is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(field, `scheme ${url.protocol.replace(/:$/, '')} is not allowed (http or https only)`);
    }
    if (url.username !== '' || url.password !== '') throw invalid(field, 'must not carry credentials');
    if (url.hostname === '') throw invalid(field, 'has no host');
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !this.addressAllowed(literal)) {
      throw invalid(field, `address ${literal} is not allowed (loopback, private or reserved)`);
    }
    return url;
  }

  /** Resolves the host (or takes a literal address) and refuses it unless every address is allowed. */
  async checkHost(url: URL, field = '/body/source/url'): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses =
      isIP(host) !== 0
        ? [host]
        : await new Promise<string[]>((resolve, reject) => {
            dnsLookup(host, { all: true }, (err, list) => {
              if (err) reject(invalid(field, `host ${host} does not resolve`));
              else resolve(list.map((a) => a.address));
            });
          });
    const bad = addresses.find((a) => !this.addressAllowed(a));
    if (bad !== undefined) throw invalid(field, `host ${host} resolves to ${bad}, which is not allowed`);
  }

  /** A `lookup` for http(s).request that fails the connection when any resolved address is refused. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, list) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const bad = list.find((a) => !this.addressAllowed(a.address));
      if (bad) {
        callback(
          Object.assign(new Error(`${hostname} resolves to ${bad.address}, which is not allowed`), {
            code: 'EADDRNOTALLOWED',
          }),
          '',
          0,
        );
        return;
      }
      if (options.all) callback(null, list);
      else {
        const first = list[0];
        if (!first) callback(new Error(`${hostname} has no address`), '', 0);
        else callback(null, first.address, first.family);
      }
    });
  };
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`The source URL ${message}.`, [{ path, message }]);
}
