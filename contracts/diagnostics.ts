/**
 * Contract of the diagnostics round trip: the API starts it, an activity writes a row to PostgreSQL, the API reads
 * the row back. It proves in one call that API, Temporal, worker and database are wired together.
 * Imports only types, so both api/ and workflows/ can use it.
 */
export interface RoundTripInput {
  id: string;
  message: string;
  requestedBy: string | null;
}

export interface RoundTripResult {
  id: string;
  recordedAt: string;
}

export const makeRoundTripWorkflowId = (id: string): string => `diagnostics-round-trip-${id}`;
