/**
 * Retention: once a closed application has been kept for the configured time, its personal data goes and only what
 * the statistics need stays (district, year, stage, state, points, categories, the kinds of housing and work).
 */
import type { ApplicationForm } from './application';

export const PURGED_MARK = '（已按保存期限清除）';

export function anonymizeForm(form: ApplicationForm): Record<string, unknown> {
  return {
    enrollmentYear: form.enrollmentYear,
    district: form.district,
    stage: form.stage,
    specialCategories: form.specialCategories,
    housing: { type: form.housing.type },
    guardians: form.guardians.map((g) => ({ relationship: g.relationship, employment: { type: g.employment.type } })),
    purged: true,
  };
}
