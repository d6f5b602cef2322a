/**
 * DEMO DATA: schools, seats, catchments and distances of the two demonstration districts, so an allocation round can
 * be tried at once. 'demo' has fewer public seats than children usually apply for (the catchment school fills, the
 * rest are adjusted or get a purchased seat at the private school); 'demo_ample' has seats to spare. The streets and
 * communities are those the demo application form uses (演示街道 / 幸福社区). Real districts load their own
 * spreadsheets through POST /api/school-data/:kind/imports.
 */
import type pg from 'pg';
import { inTransaction } from './pool';
import { writeSchoolData, type WritableSchoolData } from './repositories/schools';

const YEARS = [2026, 2027];
const STAGE = 'primary_1' as const;

export const DEMO_SCHOOL_DATA: WritableSchoolData = {
  schools: [
    { id: 'demo-primary-1', nameZh: '示范区第一小学', district: 'demo', kind: 'public', stages: [STAGE], address: '示范区幸福路1号' },
    { id: 'demo-primary-2', nameZh: '示范区第二小学', district: 'demo', kind: 'public', stages: [STAGE], address: '示范区演示大街20号' },
    { id: 'demo-primary-3', nameZh: '示范区实验小学', district: 'demo', kind: 'public', stages: [STAGE], address: '示范区和平路5号' },
    { id: 'demo-private-1', nameZh: '示范区明德民办学校', district: 'demo', kind: 'private', stages: [STAGE], address: '示范区工业园区8号' },
    { id: 'demo-ample-primary-1', nameZh: '学位充足示范区中心小学', district: 'demo_ample', kind: 'public', stages: [STAGE], address: '学位充足示范区中心路1号' },
  ],
  seats: YEARS.flatMap((year) => [
    { schoolId: 'demo-primary-1', year, stage: STAGE, seats: 3, purchasableSeats: null, seatPrice: null },
    { schoolId: 'demo-primary-2', year, stage: STAGE, seats: 3, purchasableSeats: null, seatPrice: null },
    { schoolId: 'demo-primary-3', year, stage: STAGE, seats: 2, purchasableSeats: null, seatPrice: null },
    { schoolId: 'demo-private-1', year, stage: STAGE, seats: 60, purchasableSeats: 5, seatPrice: 8000 },
    { schoolId: 'demo-ample-primary-1', year, stage: STAGE, seats: 200, purchasableSeats: null, seatPrice: null },
  ]),
  catchments: [
    { district: 'demo', stage: STAGE, street: '演示街道', community: '幸福社区', schoolId: 'demo-primary-1' },
    { district: 'demo', stage: STAGE, street: '演示街道', community: '', schoolId: 'demo-primary-2' },
    { district: 'demo', stage: STAGE, street: '和平街道', community: '', schoolId: 'demo-primary-3' },
    { district: 'demo_ample', stage: STAGE, street: '演示街道', community: '', schoolId: 'demo-ample-primary-1' },
  ],
  distances: [
    { schoolId: 'demo-primary-1', otherSchoolId: 'demo-primary-2', distance: 1.5 },
    { schoolId: 'demo-primary-1', otherSchoolId: 'demo-primary-3', distance: 3.2 },
    { schoolId: 'demo-primary-2', otherSchoolId: 'demo-primary-3', distance: 2 },
    { schoolId: 'demo-primary-1', otherSchoolId: 'demo-private-1', distance: 2.5 },
    { schoolId: 'demo-primary-2', otherSchoolId: 'demo-private-1', distance: 4 },
    { schoolId: 'demo-primary-3', otherSchoolId: 'demo-private-1', distance: 1.8 },
  ],
};

export async function seedDemoSchools(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, (db) => writeSchoolData(db, DEMO_SCHOOL_DATA));
}
