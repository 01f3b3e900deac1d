/**
 * The procedures of libvirt's REMOTE program (and the QEMU program's guest-agent call) that Gureum uses, as a
 * declarative table written from the protocol facts: procedure numbers and XDR layouts are stable across libvirt
 * releases; new ones are only appended. Each entry becomes a typed method of `LibvirtClient` with the same name
 * (`virDomainShutdownFlags` → `domainShutdownFlags`).
 *
 * Conventions: arguments are always a struct (field names are the `.x` names in camelCase); a result with a single
 * field is declared as that field's codec, so the call resolves to the value itself; `int` results that are really
 * booleans (`isActive`, `getAutostart`, …) decode as `boolean`. `needResults` + `ret` pairs: pass `needResults: 1`
 * to get the objects, `0` to get only their count in `ret`.
 *
 * The table is split by object kind: remote-connect.ts, remote-domain.ts, remote-storage.ts, remote-network.ts.
 */
import { connectProcedures } from './remote-connect.js';
import { domainProcedures } from './remote-domain.js';
import { networkProcedures } from './remote-network.js';
import { storageProcedures } from './remote-storage.js';

export { DOMAIN_LIST_MAX, DomainStatsRecord, NodeInfo } from './remote-connect.js';
export { DomainBlockInfo, DomainInfo, DomainInterface, DomainIpAddr } from './remote-domain.js';
export { NetworkDhcpLease } from './remote-network.js';
export { StoragePoolInfo, StorageVolInfo } from './remote-storage.js';

export const remoteProcedures = {
  ...connectProcedures,
  ...domainProcedures,
  ...storageProcedures,
  ...networkProcedures,
} as const;

export type RemoteProcedures = typeof remoteProcedures;
