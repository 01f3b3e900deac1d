export { LibvirtHypervisor } from './libvirt-hypervisor.js';
export type { LibvirtHypervisorOptions } from './libvirt-hypervisor.js';
export type { AdapterLogger } from './session.js';
