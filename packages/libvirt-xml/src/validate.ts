// Argument checks shared by the builders. They refuse what libvirt would refuse (so errors name our field,
// not libvirt's internals) and what could not be written as XML. Escaping is not their job: every value
// is escaped by the serializer whatever it contains.

import { invalidSpec } from './errors.js';

export function checkUuid(value: string | undefined, what: string): void {
  if (value === undefined) return;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    invalidSpec(`${what} must be a UUID like 6f1c9d9e-2b1a-4c3e-9f00-0123456789ab`);
  }
}

export function checkNonEmpty(value: string, what: string): void {
  if (value === '') invalidSpec(`${what} must not be empty`);
}

export function checkPositiveInt(value: number, what: string, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    invalidSpec(`${what} must be an integer between 1 and ${max}`);
  }
}

/** A unicast MAC address in `aa:bb:cc:dd:ee:ff` form (libvirt refuses multicast ones). */
export function checkMac(value: string, what: string): void {
  const m = /^([0-9a-f]{2})(?::[0-9a-f]{2}){5}$/i.exec(value);
  if (m === null) invalidSpec(`${what} must look like 52:54:00:12:34:56`);
  if ((parseInt(m[1] ?? '0', 16) & 1) === 1)
    invalidSpec(`${what} must be a unicast address (even first octet)`);
}

/** A guest device name such as `vda`, `sdb`, `hdc`. */
export function checkTarget(value: string, what: string): void {
  if (!/^[a-z]+[a-z0-9]*$/.test(value)) invalidSpec(`${what} must be a device name such as vda, sda or hdc`);
}

/** libvirt only accepts user aliases that start with `ua-`; we also keep them to a safe character set. */
export function checkAlias(value: string | undefined, what: string): void {
  if (value === undefined) return;
  if (!/^ua-[A-Za-z0-9_-]+$/.test(value))
    invalidSpec(`${what} must start with "ua-" and use only letters, digits, "_" and "-"`);
}

export function checkIpv4(value: string, what: string): void {
  const parts = value.split('.');
  const ok = parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
  if (!ok) invalidSpec(`${what} must be an IPv4 address like 10.0.0.1`);
}

/** An absolute host path; libvirt's schemas refuse line breaks in paths, so we do too. */
export function checkAbsolutePath(value: string, what: string): void {
  if (!value.startsWith('/')) invalidSpec(`${what} must be an absolute path`);
  if (/[\r\n]/.test(value)) invalidSpec(`${what} must not contain line breaks`);
}

/** `value` is one of `allowed` (for values that reach us untyped, e.g. from JavaScript callers). */
export function checkOneOf<T extends string>(value: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(value)) invalidSpec(`${what} must be one of ${allowed.join(', ')}`);
}
