/**
 * Fault drills: added latency, the next N calls failing with a chosen error, throttling above a
 * call rate, and being down. Decides what happens to a call; the server carries it out.
 */
import { KMS_LOCAL_ERROR_CODES, KmsException, KmsLocalError } from './errors';
import type { Clock } from './key-store';

interface FailureRule {
  remaining: number;
  readonly errorType: string;
  readonly operation?: string;
}

/** The fault settings as the control endpoint reports them. */
export interface FaultSettings {
  readonly latencyMs: number;
  readonly failNext: ReadonlyArray<{ readonly count: number; readonly errorType: string; readonly operation?: string }>;
  readonly throttleAbove: number | null;
  readonly down: boolean;
}

const ERROR_TYPE = /^[A-Za-z][A-Za-z0-9]*$/;
const THROTTLE_WINDOW_MS = 1000;

function invalidOption(message: string): KmsLocalError {
  return new KmsLocalError(KMS_LOCAL_ERROR_CODES.INVALID_OPTION, message);
}

export class FaultInjector {
  private latencyMs = 0;
  private rules: FailureRule[] = [];
  private rateLimit: number | undefined;
  private admitted: number[] = [];
  private isDown = false;

  constructor(private readonly clock: Clock) {}

  latency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw invalidOption('latency must be a number of milliseconds >= 0');
    this.latencyMs = ms;
  }

  failNext(count: number, errorType: string, operation?: string): void {
    if (!Number.isInteger(count) || count < 0) throw invalidOption('failNext count must be an integer >= 0');
    if (!ERROR_TYPE.test(errorType)) throw invalidOption('failNext errorType must be an error name such as ThrottlingException');
    if (count > 0) this.rules.push(operation === undefined ? { remaining: count, errorType } : { remaining: count, errorType, operation });
  }

  throttleAbove(callsPerSecond: number | undefined): void {
    if (callsPerSecond !== undefined && (!Number.isFinite(callsPerSecond) || callsPerSecond <= 0)) {
      throw invalidOption('throttleAbove must be a positive number of calls per second, or undefined to stop throttling');
    }
    this.rateLimit = callsPerSecond;
    this.admitted = [];
  }

  down(isDown: boolean): void {
    this.isDown = isDown;
  }

  clear(): void {
    this.latencyMs = 0;
    this.rules = [];
    this.rateLimit = undefined;
    this.admitted = [];
    this.isDown = false;
  }

  get isServiceDown(): boolean {
    return this.isDown;
  }

  get delayMs(): number {
    return this.latencyMs;
  }

  /**
   * The error to answer this call with instead of running it, or undefined to run it. Queued
   * failures come first (they are what a drill asked for explicitly), then the rate limit.
   */
  injectedError(operation: string): KmsException | undefined {
    const rule = this.rules.find((candidate) => candidate.operation === undefined || candidate.operation === operation);
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining === 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
      return new KmsException(rule.errorType, `kms-local fault drill: ${rule.errorType} injected for ${operation}`);
    }
    if (this.rateLimit !== undefined) {
      const now = this.clock();
      this.admitted = this.admitted.filter((at) => at > now - THROTTLE_WINDOW_MS);
      if (this.admitted.length >= this.rateLimit) return new KmsException('ThrottlingException', 'Rate exceeded');
      this.admitted.push(now);
    }
    return undefined;
  }

  settings(): FaultSettings {
    return {
      latencyMs: this.latencyMs,
      failNext: this.rules.map((rule) => ({
        count: rule.remaining,
        errorType: rule.errorType,
        ...(rule.operation === undefined ? {} : { operation: rule.operation }),
      })),
      throttleAbove: this.rateLimit ?? null,
      down: this.isDown,
    };
  }
}
