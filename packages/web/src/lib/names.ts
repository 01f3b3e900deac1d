import { NAME_PATTERN, UUID_PATTERN, VM_NAME_PATTERN } from '@gureum/contract';

const VM_NAME = new RegExp(VM_NAME_PATTERN);
const UUID = new RegExp(UUID_PATTERN);
const NAME = new RegExp(NAME_PATTERN);

/**
 * Checks a VM name with the API's own rule (the contract's `VM_NAME_PATTERN`: a DNS label that is not shaped like
 * a UUID) and says what is wrong in words; `null` when the API will accept it.
 */
export function vmNameProblem(name: string): string | null {
  if (name === '') return 'A name is required.';
  if (VM_NAME.test(name)) return null;
  if (name.length > 63) return `At most 63 characters (this one has ${name.length}).`;
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (/[^a-z0-9-]/.test(name)) return 'Only lowercase letters, digits and hyphens (-) are allowed.';
  if (name.startsWith('-') || name.endsWith('-'))
    return 'The name must start and end with a letter or digit.';
  if (UUID.test(name)) return 'A name cannot look like a VM id (a UUID).';
  return 'Not a valid name.';
}

/** Other resource names (images, snapshots): the contract's `NAME_PATTERN`, a DNS label. */
export function resourceNameProblem(name: string): string | null {
  if (name === '') return 'A name is required.';
  if (NAME.test(name)) return null;
  if (name.length > 63) return 'At most 63 characters.';
  if (/[^a-z0-9-]/.test(name)) return 'Only lowercase letters, digits and hyphens (-) are allowed.';
  return 'The name must start and end with a letter or digit.';
}
