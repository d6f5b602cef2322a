/**
 * Working-day schedules are days long; tests and demonstrations cannot wait that long. A time scale maps the
 * calendar's (virtual) time onto real time around an origin: real = origin + (virtual − origin) / factor. With
 * factor 1 (production) both are the same. The workflow, the calendar arithmetic and the recorded events are the same
 * code in both cases; only the instants at which timers fire are compressed.
 */
export interface TimeScale {
  factor: number;
  origin: Date;
}

export const REAL_TIME: TimeScale = { factor: 1, origin: new Date(0) };

export function toVirtual(scale: TimeScale, real: Date): Date {
  if (scale.factor === 1) return real;
  return new Date(scale.origin.getTime() + (real.getTime() - scale.origin.getTime()) * scale.factor);
}

export function toReal(scale: TimeScale, virtual: Date): Date {
  if (scale.factor === 1) return virtual;
  return new Date(scale.origin.getTime() + Math.round((virtual.getTime() - scale.origin.getTime()) / scale.factor));
}
