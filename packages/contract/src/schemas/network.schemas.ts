import { Type, type Static } from '@sinclair/typebox';
import { Id, Name, Timestamp, page, pageQuery, stringEnum } from '../common.js';

/** `nat` reaches outside through the host; `isolated` only connects its VMs. */
export const NetworkMode = stringEnum(['nat', 'isolated']);
export type NetworkMode = Static<typeof NetworkMode>;

/** An IPv4 network in CIDR notation, prefix /8 … /30. */
export const Ipv4Cidr = Type.String({
  pattern:
    '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([89]|[12][0-9]|30)$',
});

/** A managed libvirt network with DHCP. */
export const Network = Type.Object(
  {
    id: Id,
    name: Name,
    mode: NetworkMode,
    ipv4Cidr: Ipv4Cidr,
    dhcp: Type.Boolean(),
    bridge: Type.String(),
    active: Type.Boolean(),
    ownerId: Id,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Network' },
);
export type Network = Static<typeof Network>;

/** `POST /networks` body; without `ipv4Cidr` the server picks a free /24. */
export const NetworkCreate = Type.Object(
  {
    name: Name,
    mode: NetworkMode,
    ipv4Cidr: Type.Optional(Ipv4Cidr),
    dhcp: Type.Optional(Type.Boolean({ description: 'Default true.' })),
  },
  { additionalProperties: false, title: 'NetworkCreate' },
);
export type NetworkCreate = Static<typeof NetworkCreate>;

export const NetworkListQuery = Type.Object({ ...pageQuery }, { title: 'NetworkListQuery' });
export type NetworkListQuery = Static<typeof NetworkListQuery>;
export const NetworkList = page(Network, 'NetworkList');
export type NetworkList = Static<typeof NetworkList>;
