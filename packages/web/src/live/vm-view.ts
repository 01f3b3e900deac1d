import type { Vm, VmState } from '@gureum/contract';

export type VmSortKey = 'name' | 'state' | 'owner' | 'vcpus' | 'memory' | 'created';
export type SortDirection = 'asc' | 'desc';

/** What the VM list shows: a search, filters and a sort order. */
export interface VmListView {
  readonly q: string;
  readonly state: VmState | '';
  readonly tag: string;
  readonly ownerId: string;
  readonly sort: VmSortKey;
  readonly direction: SortDirection;
}

export const DEFAULT_VIEW: VmListView = {
  q: '',
  state: '',
  tag: '',
  ownerId: '',
  sort: 'name',
  direction: 'asc',
};

/** The first address of a VM's NICs, for the list. */
export function primaryAddress(vm: Vm): string | undefined {
  for (const nic of vm.nics) {
    const ip = nic.ips[0];
    if (ip) return ip.address;
  }
  return undefined;
}

/** Searches name, description, tags, id and addresses, case-insensitively. */
function matchesQuery(vm: Vm, q: string): boolean {
  if (q === '') return true;
  const needle = q.toLowerCase();
  if (vm.name.includes(needle) || vm.id.startsWith(needle)) return true;
  if (vm.description.toLowerCase().includes(needle)) return true;
  if (vm.tags.some((t) => t.includes(needle))) return true;
  return vm.nics.some((n) => n.ips.some((ip) => ip.address.includes(needle)));
}

const STATE_ORDER: Record<VmState, number> = {
  running: 0,
  paused: 1,
  suspended: 2,
  crashed: 3,
  unknown: 4,
  stopped: 5,
};

/**
 * The VMs to show, filtered and sorted. Ties always fall back to the name, then the id, so rows never swap
 * places when an unrelated field changes.
 */
export function selectVms(
  vms: Iterable<Vm>,
  view: VmListView,
  ownerName: (id: string) => string = (id) => id,
): Vm[] {
  const q = view.q.trim();
  const out: Vm[] = [];
  for (const vm of vms) {
    if (view.state && vm.state !== view.state) continue;
    if (view.tag && !vm.tags.includes(view.tag)) continue;
    if (view.ownerId && vm.ownerId !== view.ownerId) continue;
    if (!matchesQuery(vm, q)) continue;
    out.push(vm);
  }
  const sign = view.direction === 'asc' ? 1 : -1;
  const key = (a: Vm, b: Vm): number => {
    switch (view.sort) {
      case 'name':
        return 0;
      case 'state':
        return STATE_ORDER[a.state] - STATE_ORDER[b.state];
      case 'owner':
        return ownerName(a.ownerId).localeCompare(ownerName(b.ownerId));
      case 'vcpus':
        return a.vcpus - b.vcpus;
      case 'memory':
        return a.memoryBytes - b.memoryBytes;
      case 'created':
        return a.createdAt.localeCompare(b.createdAt);
    }
  };
  out.sort((a, b) => {
    const primary = key(a, b) * sign;
    if (primary !== 0) return primary;
    const byName = a.name.localeCompare(b.name) * (view.sort === 'name' ? sign : 1);
    return byName !== 0 ? byName : a.id.localeCompare(b.id);
  });
  return out;
}

/** Every tag in use, sorted: the options of the tag filter. */
export function allTags(vms: Iterable<Vm>): string[] {
  const tags = new Set<string>();
  for (const vm of vms) for (const t of vm.tags) tags.add(t);
  return [...tags].sort();
}

/** Reads the view from the URL's search parameters, so a filtered list can be bookmarked and shared. */
export function viewFromSearch(params: URLSearchParams): VmListView {
  const state = params.get('state') ?? '';
  const sort = params.get('sort') ?? 'name';
  const isState = (s: string): s is VmState =>
    ['running', 'stopped', 'paused', 'crashed', 'suspended', 'unknown'].includes(s);
  const isSort = (s: string): s is VmSortKey =>
    ['name', 'state', 'owner', 'vcpus', 'memory', 'created'].includes(s);
  return {
    q: params.get('q') ?? '',
    state: isState(state) ? state : '',
    tag: params.get('tag') ?? '',
    ownerId: params.get('owner') ?? '',
    sort: isSort(sort) ? sort : 'name',
    direction: params.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

/** The search parameters of a view (defaults left out). */
export function searchFromView(view: VmListView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.q) params.set('q', view.q);
  if (view.state) params.set('state', view.state);
  if (view.tag) params.set('tag', view.tag);
  if (view.ownerId) params.set('owner', view.ownerId);
  if (view.sort !== 'name') params.set('sort', view.sort);
  if (view.direction !== 'asc') params.set('dir', view.direction);
  return params;
}
