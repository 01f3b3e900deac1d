export * from './xdr/index.js';
export * from './protocol/constants.js';
export * from './protocol/procedure.js';
export * from './protocol/types.js';
export * from './protocol/remote.js';
export * from './protocol/events.js';
export * from './protocol/error-numbers.js';
