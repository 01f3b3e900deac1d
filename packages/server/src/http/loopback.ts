import { isIPv4 } from 'node:net';

/**
 * True for a loopback peer address as the socket reports it: 127.0.0.0/8, `::1`, or 127.0.0.0/8 mapped into IPv6
 * (`::ffff:127.0.0.1`, what a dual-stack listener reports for IPv4 clients). Anything else, or no address, is not.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return isIPv4(v4) && v4.split('.')[0] === '127';
}
