/**
 * The doctor's vocabulary: which checks it runs, in the order it reports them, and the shape of a report.
 * Its own module so that the checks (doctorProbe.ts and the files that use it) and the runner (doctor.ts) both
 * import it and never each other.
 */

/** Every check, in the order of the report. */
export const checkIds = [
  'reachable',
  'create',
  'envelope',
  'tenant',
  'unknown-session',
  'identity-headers',
  'cors-preflight',
  'cors-expose',
  'knowledge',
] as const;
export type CheckId = (typeof checkIds)[number];
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** What the doctor saw. */
  detail: string;
  /** For a warning or a failure: what to change. */
  fix: string | null;
}

export interface DoctorReport {
  baseUrl: string;
  origin: string | null;
  checks: CheckResult[];
}
