/**
 * Test helpers of `@gureum/libvirt`: a wire-level fake libvirtd.
 *
 * @example
 * ```ts
 * import { FakeLibvirtd, FakeLibvirtError } from '@gureum/libvirt/testing';
 * ```
 */
export { FakeConnection, FakeLibvirtd } from './fake-libvirtd.js';
export type { FakeCallContext, FakeCallRecord, FakeHandler, FakeLibvirtdOptions } from './fake-libvirtd.js';
export { FakeLibvirtError, FakeStream } from './fake-stream.js';
export type { FakeStreamItem } from './fake-stream.js';
export { deferred, waitUntil } from './wait.js';
export type { Deferred } from './wait.js';
