export * from './clock.js';
export * from './events.js';
export * from './hypervisor.js';
export * from './repositories.js';
