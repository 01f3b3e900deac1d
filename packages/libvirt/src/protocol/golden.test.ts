/**
 * Golden wire vectors captured from a live libvirt 9.0.0 daemon (fact sheet §1.8, §4, §6 and Appendix A). The
 * expected bytes are written out by hand here, independently of the codecs under test.
 */
import { describe, expect, it } from 'vitest';
import { array, decode, encode, struct, uint } from '../xdr/codec.js';
import { XdrError } from '../xdr/errors.js';
import { MessageStatus, MessageType, Program, PROGRAM_VERSION } from './constants.js';
import { ErrorDomain, ErrorNumber } from './error-numbers.js';
import { remoteEvents } from './events.js';
import { remoteProcedures } from './remote.js';
import { DomainEventType, DomainEventUndefinedDetailType } from './enums.js';
import { RemoteError, TypedParam, typedParamsToRecord } from './types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** An XDR string written by hand: length word, bytes, zero padding. */
const str = (s: string): string => {
  const b = Buffer.from(s, 'utf8');
  const pad = (4 - (b.length % 4)) % 4;
  return b.length.toString(16).padStart(8, '0') + b.toString('hex') + '00'.repeat(pad);
};
const word = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const dword = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, '0');

/** The packet header as the transport writes it, here only to check the captured packets end to end. */
const Header = struct({ prog: uint, vers: uint, proc: uint, type: uint, serial: uint, status: uint });
function packet(proc: number, type: number, serial: number, status: number, body: Buffer): Buffer {
  const head = encode(Header, { prog: Program.Remote, vers: PROGRAM_VERSION, proc, type, serial, status });
  const len = Buffer.alloc(4);
  len.writeUInt32BE(4 + head.length + body.length);
  return Buffer.concat([len, head, body]);
}

const PROOF_UUID = 'efafbf34-f653-42b0-a673-8594024a4ed3';
const PROOF_DOM = str('rpcproof-1') + PROOF_UUID.replace(/-/g, '') + word(-1);

describe('golden wire vectors (libvirt 9.0.0)', () => {
  it('AUTH_LIST: empty call body, reply [AUTH_NONE]', () => {
    const p = remoteProcedures.authList;
    const call = packet(p.number, MessageType.Call, 1, MessageStatus.Ok, encode(p.args, undefined));
    expect(call.toString('hex')).toBe(
      '0000001c 20008086 00000001 00000042 00000000 00000001 00000000'.replace(/ /g, ''),
    );
    const reply = hex('00000024 20008086 00000001 00000042 00000001 00000001 00000000 00000001 00000000');
    expect(decode(p.ret, reply.subarray(28))).toEqual([0]);
  });

  it('CONNECT_OPEN("qemu:///system", 0): args body and the 56-byte packet', () => {
    const p = remoteProcedures.connectOpen;
    const body = encode(p.args, { name: 'qemu:///system', flags: 0 });
    expect(body).toEqual(hex('00000001 0000000e 71656d75 3a2f2f2f 73797374 656d0000 00000000'));
    const call = packet(p.number, MessageType.Call, 2, MessageStatus.Ok, body);
    expect(call).toEqual(
      hex(
        '00000038 20008086 00000001 00000001 00000000 00000002 00000000 00000001 0000000e 71656d75 3a2f2f2f 73797374 656d0000 00000000',
      ),
    );
    expect(() => {
      decode(p.ret, hex(''));
    }).not.toThrow();
    expect(() => {
      decode(p.ret, hex('00000000'));
    }).toThrow(/trailing/);
  });

  it('NODE_GET_INFO: the 160-byte body (char[32] model = 128 bytes)', () => {
    const model = Array.from(Buffer.from('x86_64'), (b) => word(b)).join('') + word(0).repeat(26);
    const body = hex(model + dword(4941600n) + word(2) + word(1996) + word(1) + word(1) + word(2) + word(1));
    expect(body.length).toBe(160);
    const info = {
      model: 'x86_64',
      memory: 4941600n,
      cpus: 2,
      mhz: 1996,
      nodes: 1,
      sockets: 1,
      cores: 2,
      threads: 1,
    };
    expect(decode(remoteProcedures.nodeGetInfo.ret, body)).toEqual(info);
    expect(encode(remoteProcedures.nodeGetInfo.ret, info)).toEqual(body);
  });

  it('DOMAIN_GET_INFO: the 32-byte body (uchar state, ushort nrVirtCpu = 4 bytes each)', () => {
    const body = hex(word(5) + dword(65536n) + dword(65536n) + word(1) + dword(0n));
    expect(body.length).toBe(32);
    const info = { state: 5, maxMem: 65536n, memory: 65536n, nrVirtCpu: 1, cpuTime: 0n };
    expect(decode(remoteProcedures.domainGetInfo.ret, body)).toEqual(info);
    expect(encode(remoteProcedures.domainGetInfo.ret, info)).toEqual(body);
  });

  it('DOMAIN_GET_BLOCK_INFO: allocation, capacity, physical in wire order', () => {
    const body = hex(dword(16384n) + dword(2097152n) + dword(2097152n));
    expect(decode(remoteProcedures.domainGetBlockInfo.ret, body)).toEqual({
      allocation: 16384n,
      capacity: 2097152n,
      physical: 2097152n,
    });
  });

  it('DOMAIN_LOOKUP_BY_NAME reply: a Dom handle (resolved by UUID)', () => {
    const dom = decode(remoteProcedures.domainLookupByName.ret, hex(PROOF_DOM));
    expect(dom).toEqual({ name: 'rpcproof-1', uuid: PROOF_UUID, id: -1 });
  });

  it('UUIDs: 16 raw bytes on the wire, canonical lower-case text in TypeScript', () => {
    const Lookup = remoteProcedures.domainLookupByUuid.args;
    const bytes = encode(Lookup, { uuid: PROOF_UUID.toUpperCase() });
    expect(bytes).toEqual(hex(PROOF_UUID.replace(/-/g, '')));
    expect(decode(Lookup, bytes)).toEqual({ uuid: PROOF_UUID });
    expect(() => encode(Lookup, { uuid: 'not-a-uuid' })).toThrow(XdrError);
    expect(() => encode(Lookup, { uuid: PROOF_UUID.slice(1) })).toThrow(/not a UUID/);
  });

  it('remote_error: the observed "domain not found" body', () => {
    const msg = "Domain not found: no domain with matching name 'rpcproof-does-not-exist'";
    const str2 = "no domain with matching name 'rpcproof-does-not-exist'";
    const body = hex(
      word(42) +
        word(10) +
        word(1) +
        str(msg) +
        word(2) +
        word(0) +
        word(1) +
        str('Domain not found: %s') +
        word(1) +
        str(str2) +
        word(0) +
        word(-1) +
        word(-1) +
        word(0),
    );
    const err = decode(RemoteError, body);
    expect(err).toEqual({
      code: ErrorNumber.NoDomain,
      domain: ErrorDomain.Qemu,
      message: msg,
      level: 2,
      dom: null,
      str1: 'Domain not found: %s',
      str2,
      str3: null,
      int1: -1,
      int2: -1,
      net: null,
    });
    expect(encode(RemoteError, err)).toEqual(body);
  });

  it('DOMAIN_EVENT_CALLBACK_LIFECYCLE: the 48-byte UNDEFINED/REMOVED body', () => {
    const ev = remoteEvents.domainLifecycle;
    expect(ev.msgProc).toBe(318);
    const body = hex(word(0) + PROOF_DOM + word(1) + word(0));
    expect(body.length).toBe(48);
    expect(decode(ev.body, body)).toEqual({
      callbackID: 0,
      dom: { name: 'rpcproof-1', uuid: PROOF_UUID, id: -1 },
      event: DomainEventType.Undefined,
      detail: DomainEventUndefinedDetailType.Removed,
    });
  });

  it('DEVICE_ADDED: the 56-byte body (alias after dom)', () => {
    const body = hex(
      word(10) + str('rpcproof-4') + PROOF_UUID.replace(/-/g, '') + word(20) + str('ua-rpcproof'),
    );
    expect(body.length).toBe(56);
    const msg = decode(remoteEvents.domainDeviceAdded.body, body);
    expect(msg.devAlias).toBe('ua-rpcproof');
    expect(msg.dom.id).toBe(20);
  });

  it('PMSUSPEND: reason comes before dom', () => {
    const body = hex(word(3) + word(7) + PROOF_DOM);
    expect(decode(remoteEvents.domainPmSuspend.body, body)).toEqual({
      callbackID: 3,
      reason: 7,
      dom: { name: 'rpcproof-1', uuid: PROOF_UUID, id: -1 },
    });
  });

  it('typed parameters of types 1, 2, 3, 4, 7 (CONNECT_GET_ALL_DOMAIN_STATS)', () => {
    const body = hex(
      word(5) +
        str('state.state') +
        word(1) +
        word(1) +
        str('cpu.cache.monitor.count') +
        word(2) +
        word(0) +
        str('balloon.delta') +
        word(3) +
        dword(-4096n) +
        str('cpu.time') +
        word(4) +
        dword(970252000n) +
        str('block.0.name') +
        word(7) +
        str('vda'),
    );
    const params = decode(array(TypedParam), body);
    expect(params.map((p) => p.value.type)).toEqual([1, 2, 3, 4, 7]);
    expect(typedParamsToRecord(params)).toEqual({
      'state.state': 1,
      'cpu.cache.monitor.count': 0,
      'balloon.delta': -4096n,
      'cpu.time': 970252000n,
      'block.0.name': 'vda',
    });
    expect(encode(array(TypedParam), params)).toEqual(body);
    // Inside a stats record: dom then the list.
    const rec = decode(
      remoteProcedures.connectGetAllDomainStats.ret,
      hex(word(1) + PROOF_DOM + body.toString('hex')),
    );
    expect(rec[0]?.params).toHaveLength(5);
  });

  it('typed parameters: double and boolean arms, and unknown types are errors', () => {
    const body = hex(str('x') + word(5) + '3ff8000000000000' + str('y') + word(6) + word(1));
    const params = decode(struct({ a: TypedParam, b: TypedParam }), body);
    expect(typedParamsToRecord([params.a, params.b])).toEqual({ x: 1.5, y: true });
    expect(() => decode(TypedParam, hex(str('z') + word(8) + word(0)))).toThrow(XdrError);
    expect(() => decode(TypedParam, hex(str('z') + word(0) + word(0)))).toThrow(/union has no arm 0/);
  });

  it('CONNECT_LIST_ALL_DOMAINS with need_results=0: empty array plus the count', () => {
    expect(decode(remoteProcedures.connectListAllDomains.ret, hex(word(0) + word(4)))).toEqual({
      domains: [],
      ret: 4,
    });
  });

  it('DOMAIN_LIST_ALL_SNAPSHOTS: ret is a signed int', () => {
    expect(decode(remoteProcedures.domainListAllSnapshots.ret, hex(word(0) + word(-1)))).toEqual({
      snapshots: [],
      ret: -1,
    });
  });
});
