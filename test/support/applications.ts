/** Driving applications through the API in tests, as parents and officers do. */
import type { Api } from './harness';
import { applicationForm, type FormOptions } from './application-fixtures';
import { waitFor } from './wait';

/** Submits a fresh valid form as this parent; returns the application number. */
export async function submitApplication(parent: Api, opts: FormOptions = {}): Promise<string> {
  const r = await parent.post('/api/applications', applicationForm(opts));
  expect(r.status).toBe(201);
  return r.body.applicationNumber as string;
}

/** The id of an application's step for a part (pre_review, police, …), once this officer can see it. */
export async function applicationStep(officer: Api, appNo: string, part: string): Promise<string> {
  const stepId = `${appNo}.${part}`;
  await waitFor(async () => (await officer.get(`/api/steps/${stepId}`)).status === 200, { what: `step ${stepId}` });
  return stepId;
}

/** What the three verifying departments find for an eligible family under the strict regime. */
export const ELIGIBLE_FACTS: Record<'police' | 'hrss' | 'housing', Record<string, unknown>> = {
  police: { valid: true, months: 40 },
  hrss: { employed: true, insuranceMonths: 36 },
  housing: { rentalRegistered: true, communityResidenceProof: true },
};
