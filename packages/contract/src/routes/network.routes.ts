import { DryRunQuery, IdParams, NoContent } from '../common.js';
import { defineRoute, IdempotencyHeaders } from '../route.js';
import { DeletePlan } from '../schemas/vm.schemas.js';
import { Network, NetworkCreate, NetworkList, NetworkListQuery } from '../schemas/network.schemas.js';

/** Managed networks (VM NICs are in the VM routes). */
export const networkRoutes = {
  listNetworks: defineRoute({
    method: 'GET',
    url: '/networks',
    summary: 'List networks',
    tags: ['networks'],
    auth: 'user',
    querystring: NetworkListQuery,
    response: { 200: NetworkList },
  }),
  createNetwork: defineRoute({
    method: 'POST',
    url: '/networks',
    summary: 'Create a NAT or isolated network with DHCP',
    tags: ['networks'],
    auth: 'user',
    headers: IdempotencyHeaders,
    body: NetworkCreate,
    response: { 201: Network },
    idempotent: true,
    errors: ['NETWORK_NAME_TAKEN', 'NETWORK_CIDR_CONFLICT', 'LIBVIRT_UNAVAILABLE'],
  }),
  getNetwork: defineRoute({
    method: 'GET',
    url: '/networks/:id',
    summary: 'Get a network',
    tags: ['networks'],
    auth: 'user',
    params: IdParams,
    response: { 200: Network },
    errors: ['NETWORK_NOT_FOUND'],
  }),
  deleteNetwork: defineRoute({
    method: 'DELETE',
    url: '/networks/:id',
    summary: 'Delete a network (409 while VMs use it)',
    tags: ['networks'],
    auth: 'user',
    params: IdParams,
    querystring: DryRunQuery,
    response: { 200: DeletePlan, 204: NoContent },
    dryRun: true,
    errors: ['NETWORK_NOT_FOUND', 'NETWORK_IN_USE', 'LIBVIRT_UNAVAILABLE'],
  }),
} as const;
