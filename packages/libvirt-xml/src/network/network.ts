import { invalidSpec, unexpectedXml } from '../errors.js';
import { parseXml, serializeXml } from '../xml/codec.js';
import { attr, child, childText, compact, el, elements, toIntOpt } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import { checkIpv4, checkMac, checkNonEmpty, checkOneOf, checkPositiveInt, checkUuid } from '../validate.js';

/**
 * How a network reaches the outside: `nat` (masquerade), `route` (routed, no NAT), `isolated` (no
 * `<forward>`: guests reach only each other and the host).
 *
 * @example
 * ```ts
 * const mode: NetworkForwardMode = 'isolated';
 * ```
 * @see https://libvirt.org/formatnetwork.html#connectivity
 */
export type NetworkForwardMode = 'nat' | 'isolated' | 'route';

/**
 * A fixed DHCP lease.
 *
 * @example
 * ```ts
 * const host: DhcpHost = { mac: '52:54:00:12:34:56', ip: '10.77.0.10', name: 'web-1' };
 * ```
 * @see https://libvirt.org/formatnetwork.html#addressing
 */
export interface DhcpHost {
  readonly mac: string;
  readonly ip: string;
  readonly name?: string;
}

/**
 * The IPv4 side of a network: the host's address on the bridge, and optionally a DHCP range.
 *
 * @example
 * ```ts
 * const ipv4: NetworkIpv4 = { address: '10.77.0.1', prefix: 24, dhcp: { start: '10.77.0.100', end: '10.77.0.199' } };
 * ```
 * @see https://libvirt.org/formatnetwork.html#addressing
 */
export interface NetworkIpv4 {
  readonly address: string;
  readonly prefix: number;
  readonly dhcp?: { readonly start: string; readonly end: string; readonly hosts?: readonly DhcpHost[] };
}

/**
 * A libvirt virtual network.
 *
 * @example
 * ```ts
 * const spec: NetworkSpec = { name: 'gureum-lab', bridge: 'gbr-lab', forward: 'isolated' };
 * ```
 * @see https://libvirt.org/formatnetwork.html
 */
export interface NetworkSpec {
  readonly name: string;
  readonly uuid?: string;
  /** Host bridge device name (at most 15 characters). */
  readonly bridge: string;
  readonly forward: NetworkForwardMode;
  readonly ipv4?: NetworkIpv4;
  readonly mtu?: number;
  /** DNS domain served by the network's dnsmasq (answered locally only). */
  readonly domain?: string;
}

/**
 * What {@link parseNetworkXml} returns. `forward` is `isolated` when there is no `<forward>`, else
 * libvirt's mode (`nat`, `route`, `open`, `bridge`, …).
 *
 * @example
 * ```ts
 * const net: ParsedNetwork = parseNetworkXml(xml);
 * ```
 * @see https://libvirt.org/formatnetwork.html
 */
export interface ParsedNetwork {
  readonly name: string;
  readonly uuid?: string;
  readonly bridge?: string;
  readonly forward: string;
  readonly ipv4?: NetworkIpv4;
  readonly mtu?: number;
  readonly domain?: string;
}

function checkSpec(spec: NetworkSpec): void {
  checkNonEmpty(spec.name, 'name');
  checkUuid(spec.uuid, 'uuid');
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(spec.bridge))
    invalidSpec('bridge must be an interface name of 1–15 characters');
  checkOneOf(spec.forward, ['nat', 'isolated', 'route'], 'forward');
  if (spec.mtu !== undefined) checkPositiveInt(spec.mtu, 'mtu', 65535);
  if (spec.forward !== 'isolated' && spec.ipv4 === undefined)
    invalidSpec(`forward "${spec.forward}" needs ipv4`);
  const ip = spec.ipv4;
  if (ip === undefined) return;
  checkIpv4(ip.address, 'ipv4.address');
  if (!Number.isInteger(ip.prefix) || ip.prefix < 1 || ip.prefix > 32)
    invalidSpec('ipv4.prefix must be 1–32');
  if (ip.dhcp === undefined) return;
  checkIpv4(ip.dhcp.start, 'ipv4.dhcp.start');
  checkIpv4(ip.dhcp.end, 'ipv4.dhcp.end');
  (ip.dhcp.hosts ?? []).forEach((h, i) => {
    checkMac(h.mac, `ipv4.dhcp.hosts[${i}].mac`);
    checkIpv4(h.ip, `ipv4.dhcp.hosts[${i}].ip`);
  });
}

function ipElement(ip: NetworkIpv4): XmlElement {
  const dhcp = ip.dhcp;
  return el('ip', { address: ip.address, prefix: ip.prefix }, [
    dhcp !== undefined &&
      el('dhcp', {}, [
        el('range', { start: dhcp.start, end: dhcp.end }),
        ...(dhcp.hosts ?? []).map((h) => el('host', { mac: h.mac.toLowerCase(), name: h.name, ip: h.ip })),
      ]),
  ]);
}

/**
 * Builds a network definition for `networkDefineXml`. Isolated networks get no `<forward>` at all.
 *
 * @example
 * ```ts
 * const xml = buildNetworkXml({
 *   name: 'gureum-lab', bridge: 'gbr-lab', forward: 'isolated',
 *   ipv4: { address: '10.77.0.1', prefix: 24, dhcp: { start: '10.77.0.100', end: '10.77.0.199' } },
 * });
 * ```
 * @see https://libvirt.org/formatnetwork.html
 */
export function buildNetworkXml(spec: NetworkSpec): string {
  checkSpec(spec);
  return serializeXml(
    el('network', {}, [
      el('name', {}, [spec.name]),
      spec.uuid !== undefined && el('uuid', {}, [spec.uuid]),
      spec.forward !== 'isolated' && el('forward', { mode: spec.forward }),
      el('bridge', { name: spec.bridge, stp: 'on', delay: 0 }),
      spec.mtu !== undefined && el('mtu', { size: spec.mtu }),
      spec.domain !== undefined && el('domain', { name: spec.domain, localOnly: 'yes' }),
      spec.ipv4 !== undefined && ipElement(spec.ipv4),
    ]),
  );
}

function netmaskToPrefix(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  const firstZero = bits.indexOf('0');
  return firstZero === -1 ? 32 : firstZero;
}

function parseIpv4(network: XmlElement): NetworkIpv4 | undefined {
  const ip = elements(network, 'ip').find((e) => (attr(e, 'family') ?? 'ipv4') === 'ipv4');
  const address = attr(ip, 'address');
  if (ip === undefined || address === undefined) return undefined;
  const prefixAttr = attr(ip, 'prefix');
  const netmask = attr(ip, 'netmask');
  const prefix =
    prefixAttr !== undefined
      ? toIntOpt(prefixAttr, 'ip prefix')
      : netmask !== undefined
        ? netmaskToPrefix(netmask)
        : 24;
  if (prefix === undefined) unexpectedXml(`cannot read the netmask of network ip ${address}`);
  const dhcp = child(ip, 'dhcp');
  const range = child(dhcp, 'range');
  const start = attr(range, 'start');
  const end = attr(range, 'end');
  const hosts = (dhcp === undefined ? [] : elements(dhcp, 'host')).flatMap((h): DhcpHost[] => {
    const mac = attr(h, 'mac');
    const hostIp = attr(h, 'ip');
    return mac === undefined || hostIp === undefined
      ? []
      : [{ mac, ip: hostIp, ...compact({ name: attr(h, 'name') }) }];
  });
  if (start === undefined || end === undefined) return { address, prefix };
  return { address, prefix, dhcp: { start, end, ...(hosts.length > 0 ? { hosts } : {}) } };
}

/**
 * Parses network XML (`networkGetXmlDesc`).
 *
 * @example
 * ```ts
 * const { bridge, forward, ipv4 } = parseNetworkXml(xml);
 * ```
 * @see https://libvirt.org/formatnetwork.html
 */
export function parseNetworkXml(xml: string): ParsedNetwork {
  const network = parseXml(xml, 'network');
  const name = childText(network, 'name');
  if (name === undefined) unexpectedXml('<network> without <name>');
  const forward = child(network, 'forward');
  return {
    name,
    forward: forward === undefined ? 'isolated' : (attr(forward, 'mode') ?? 'nat'),
    ...compact({
      uuid: childText(network, 'uuid')?.trim(),
      bridge: attr(child(network, 'bridge'), 'name'),
      ipv4: parseIpv4(network),
      mtu: toIntOpt(attr(child(network, 'mtu'), 'size'), 'mtu size'),
      domain: attr(child(network, 'domain'), 'name'),
    }),
  };
}
