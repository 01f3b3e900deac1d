// Readers for the elements under <devices>. They are lenient: a device of a kind we do not model is
// described as far as we understand it, never an error, because drift detection reads foreign domains.

import { attr, child, childText, compact, elements, toIntOpt } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';
import { unexpectedXml } from '../errors.js';
import { parseBackingStore } from '../storage/backing-store.js';
import type { ParsedCharDevice, ParsedDisk, ParsedGraphics, ParsedInterface } from './parsed.types.js';

function diskSource(type: string, source: XmlElement | undefined): ParsedDisk['source'] {
  if (source === undefined) return null;
  const file = attr(source, 'file');
  const pool = attr(source, 'pool');
  const volume = attr(source, 'volume');
  const dev = attr(source, 'dev');
  if (type === 'file' && file !== undefined) return { file };
  if (type === 'volume' && pool !== undefined && volume !== undefined) return { pool, volume };
  if (type === 'block' && dev !== undefined) return { dev };
  return null;
}

export function parseDisk(disk: XmlElement): ParsedDisk {
  const type = attr(disk, 'type') ?? 'file';
  const target = child(disk, 'target');
  const dev = attr(target, 'dev');
  if (dev === undefined) unexpectedXml('<disk> without <target dev>');
  return {
    device: attr(disk, 'device') ?? 'disk',
    type,
    target: dev,
    source: diskSource(type, child(disk, 'source')),
    readonly: child(disk, 'readonly') !== undefined,
    ...compact({
      bus: attr(target, 'bus'),
      tray: attr(target, 'tray'),
      driverType: attr(child(disk, 'driver'), 'type'),
      bootOrder: toIntOpt(attr(child(disk, 'boot'), 'order'), 'disk boot order'),
      serial: childText(disk, 'serial'),
      alias: attr(child(disk, 'alias'), 'name'),
      backingStore: parseBackingStore(child(disk, 'backingStore')),
    }),
  };
}

export function parseInterface(nic: XmlElement): ParsedInterface {
  const type = attr(nic, 'type') ?? 'network';
  const source = child(nic, 'source');
  const network = attr(source, 'network');
  const bridge = attr(source, 'bridge');
  return {
    type,
    source:
      type === 'network' && network !== undefined ? { network } : bridge !== undefined ? { bridge } : null,
    ...compact({
      mac: attr(child(nic, 'mac'), 'address'),
      model: attr(child(nic, 'model'), 'type'),
      alias: attr(child(nic, 'alias'), 'name'),
      bootOrder: toIntOpt(attr(child(nic, 'boot'), 'order'), 'interface boot order'),
      targetDev: attr(child(nic, 'target'), 'dev'),
    }),
  };
}

function toPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim()))
    unexpectedXml(`graphics port ${JSON.stringify(value)} is not an integer`);
  return Number(value);
}

export function parseGraphics(graphics: XmlElement): ParsedGraphics {
  const listens = elements(graphics, 'listen');
  const socketListen = listens.find((l) => attr(l, 'type') === 'socket');
  const addressListen = listens.find((l) => attr(l, 'type') === 'address');
  return {
    type: attr(graphics, 'type') ?? 'vnc',
    autoport: attr(graphics, 'autoport') === 'yes',
    ...compact({
      listen: attr(graphics, 'listen') ?? attr(addressListen, 'address'),
      port: toPort(attr(graphics, 'port')),
      socket: attr(graphics, 'socket') ?? attr(socketListen, 'socket'),
    }),
  };
}

export function parseCharDevice(device: XmlElement): ParsedCharDevice {
  const target = child(device, 'target');
  return {
    type: attr(device, 'type') ?? 'pty',
    ...compact({
      sourcePath: attr(child(device, 'source'), 'path') ?? attr(device, 'tty'),
      logFile: attr(child(device, 'log'), 'file'),
      targetType: attr(target, 'type'),
      targetPort: toIntOpt(attr(target, 'port'), 'serial target port'),
    }),
  };
}

export function hasGuestAgentChannel(devices: XmlElement | undefined): boolean {
  if (devices === undefined) return false;
  return elements(devices, 'channel').some(
    (c) => attr(child(c, 'target'), 'name') === 'org.qemu.guest_agent.0',
  );
}
