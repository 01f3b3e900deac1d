import { FormatRegistry } from '@sinclair/typebox';

// The server validates with Ajv (ajv-formats knows these formats); TypeBox's own `Value.Check` only knows the
// formats registered here. Registering them on import keeps `Value.Check` in browsers, the CLI and tests in line
// with the server. Only formats the contract actually uses are registered.

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/** True when `value` is an RFC 3339 date-time that names a real instant. */
export function isDateTime(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Registers the string formats the contract uses (`date-time`) with TypeBox's `FormatRegistry`, once.
 * Called when the contract is imported; exported for callers that reset the registry.
 */
export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime);
}

registerFormats();
