/** Spot checks of the enum values against the fact sheet (§4.8, §6.3), and of their shape. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as enums from './enums.js';
import {
  ConnectFeature,
  ConnectGetAllDomainStatsFlags,
  ConnectListAllDomainsFlags,
  ConnectListAllStoragePoolsFlags,
  DomainCreateFlags,
  DomainDeviceModifyFlags,
  DomainEventDetailType,
  DomainEventId,
  DomainEventType,
  DomainShutdownFlags,
  DomainSnapshotListFlags,
  DomainState,
  DomainStatsTypes,
  DomainUndefineFlags,
  StoragePoolEventType,
  StorageVolType,
} from './enums.js';

describe('enums', () => {
  it('match libvirt 9.0.0', () => {
    expect(DomainState).toEqual({
      NoState: 0,
      Running: 1,
      Blocked: 2,
      Paused: 3,
      Shutdown: 4,
      Shutoff: 5,
      Crashed: 6,
      PmSuspended: 7,
    });
    expect(DomainShutdownFlags).toEqual({
      Default: 0,
      AcpiPowerBtn: 1,
      GuestAgent: 2,
      Initctl: 4,
      Signal: 8,
      Paravirt: 16,
    });
    expect(DomainUndefineFlags).toEqual({
      ManagedSave: 1,
      SnapshotsMetadata: 2,
      Nvram: 4,
      KeepNvram: 8,
      CheckpointsMetadata: 16,
      Tpm: 32,
      KeepTpm: 64,
    });
    expect(DomainCreateFlags.StartAutoDestroy).toBe(2);
    expect(DomainCreateFlags.StartResetNvram).toBe(32);
    expect(DomainDeviceModifyFlags).toEqual({ Current: 0, Live: 1, Config: 2, Force: 4 });
    expect(ConnectListAllDomainsFlags.NoCheckpoint).toBe(32768);
    expect(ConnectListAllDomainsFlags.ManagedSave).toBe(256);
    expect(ConnectGetAllDomainStatsFlags.Nowait).toBe(2 ** 29);
    expect(ConnectGetAllDomainStatsFlags.EnforceStats).toBe(2 ** 31); // unsigned, fits the uint flags word
    expect(DomainStatsTypes.Vm).toBe(1024);
    expect(DomainSnapshotListFlags.Roots).toBe(DomainSnapshotListFlags.Descendants);
    expect(ConnectListAllStoragePoolsFlags.IscsiDirect).toBe(2 ** 19);
    expect(StorageVolType.Ploop).toBe(5);
    expect(StoragePoolEventType.Deleted).toBe(5);
    expect(ConnectFeature.ProgramKeepalive).toBe(10);
    expect(ConnectFeature.RemoteEventCallback).toBe(14);
    expect(ConnectFeature.NetworkUpdateHasCorrectOrder).toBe(16);
  });

  it('number the domain event ids 0..26 without gaps', () => {
    expect(Object.values(DomainEventId)).toEqual(Array.from({ length: 27 }, (_, i) => i));
  });

  it('map every lifecycle event type to its detail enum', () => {
    expect(Object.keys(DomainEventDetailType).map(Number)).toEqual(Object.values(DomainEventType));
    expect(DomainEventDetailType[DomainEventType.Stopped].Destroyed).toBe(1);
    expect(DomainEventDetailType[DomainEventType.Defined].FromSnapshot).toBe(3);
    expect(DomainEventDetailType[DomainEventType.Crashed].CrashLoaded).toBe(1);
  });

  it('export only plain objects of 32-bit integers', () => {
    for (const [name, value] of Object.entries(enums)) {
      if (name === 'DomainEventDetailType') continue;
      expect(typeof value, name).toBe('object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        expect(k, name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
        expect(
          Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 32,
          `${name}.${k}`,
        ).toBe(true);
      }
    }
  });

  it('have union types of their values', () => {
    expectTypeOf<enums.DomainState>().toEqualTypeOf<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>();
    expectTypeOf<enums.StoragePoolState>().toEqualTypeOf<0 | 1 | 2 | 3 | 4>();
  });
});
