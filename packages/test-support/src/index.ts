export {
  ensureTestGuests,
  readTestGuestsManifest,
  repoRoot,
  testGuestsDir,
  type TestGuests,
  type TestGuestsManifest,
} from './guests.js';
export {
  SerialConsole,
  readSerialLog,
  serialLogSize,
  waitForSerialMarker,
  type SerialMarker,
  type WaitForSerialMarkerOptions,
  type WaitOptions,
} from './serial.js';
export {
  LIBVIRT_URI,
  domainState,
  removeDomain,
  virsh,
  virshOk,
  waitForDomainState,
  type VirshResult,
} from './virsh.js';
export { createBlankDisk, createOverlay, testDomainXml, type TestDomainOptions } from './domain.js';
