// Test helpers of @gureum/libvirt-xml, for this package's tests and for other packages' tests.

export {
  exampleDirPoolSpec,
  exampleImageVmSpec,
  exampleIsoInstallVmSpec,
  exampleIsolatedNetworkSpec,
  exampleOverlayVolumeSpec,
  exampleSnapshotSpec,
  exampleUefiVmSpec,
} from './example-specs.js';
export { HOSTILE_STRINGS } from './hostile-strings.js';
export { domainViewOfParsed, domainViewOfSpec } from './domain-view.js';
export type { DomainView } from './domain-view.js';
