import type { Logger } from '@restack/core';
import type { DatedFix, RestackEvent } from '@restack/events';
import type { RescanRunSummary } from './rescan-run.js';
import type {
  RescanRequest,
  RescanResult,
  ScanRecord,
  ScanResultStore,
  ScannerName,
  Vulnerability,
} from '@restack/scan';

/** A scan as the scanner keeps it: the record and the event that reported it. */
export type StoredScan = ScanRecord & { event: RestackEvent };

export interface ScannerPorts {
  /** Verification, inventory and (when configured) the vulnerability scan: @restack/scan rescanImage. */
  rescan(request: RescanRequest): Promise<RescanResult>;
  /** The configured vulnerability scanner, null for none. */
  scanner: ScannerName | null;
  store: ScanResultStore<StoredScan>;
  publish(event: RestackEvent): Promise<void>;
  clock(): Date;
  /** The findings' fixes and since when (fixes.ts); absent without a vulnerability scanner. */
  datedFixes?: (vulnerabilities: readonly Vulnerability[], now: Date) => Promise<DatedFix[]>;
  /** One scheduled rescan of every catalog and admission-seen image; absent without `scanner.rescan`. */
  runRescan?: (shouldContinue?: () => Promise<boolean>) => Promise<RescanRunSummary>;
}

export interface Delivery {
  log: Logger;
  attempt: number;
  maxAttempts: number;
  signal?: AbortSignal;
}
