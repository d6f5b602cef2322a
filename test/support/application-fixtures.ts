/** Valid, unique application forms for tests: ID numbers with correct check characters, a fresh child every time. */
import crypto from 'node:crypto';

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

export function makeId(region: string, yyyymmdd: string, seq: string): string {
  const first17 = region + yyyymmdd + seq;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

export const CREDIT_CODE = '91350100M000100Y43'; // the example of GB 32100-2015

/** A child born in 2020 (primary grade 1 in 2026/2027), a boy: odd sequence digit. */
export function freshChild(): { idNumber: string; birthDate: string } {
  const day = 1 + crypto.randomInt(28);
  const month = 1 + crypto.randomInt(12);
  const birthDate = `2020-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const seq = String(crypto.randomInt(50)).padStart(2, '0') + '1';
  const region = String(110000 + crypto.randomInt(800000)).slice(0, 6);
  return { idNumber: makeId(region, birthDate.replace(/-/g, ''), seq), birthDate };
}

export interface FormOptions {
  district?: string;
  year?: number;
  housing?: 'owned' | 'rented_registered' | 'rented_unregistered';
  selfEmployed?: boolean;
  specialCategories?: string[];
  materials?: { kind: string; fileId: string; fileName: string; mediaType: string; size: number }[];
}

export function applicationForm(opts: FormOptions = {}): any {
  const child = freshChild();
  // A fresh father too: registries are keyed on the guardian's ID number (hrss: with the employer's credit code, the
  // same for every form), and all test files share one database, so a father reused across files would let one test's
  // registry import confirm another test's verification by data sharing before its officer acts.
  const father = makeId(
    String(410000 + crypto.randomInt(10000)),
    `19${80 + crypto.randomInt(15)}${String(1 + crypto.randomInt(12)).padStart(2, '0')}${String(1 + crypto.randomInt(28)).padStart(2, '0')}`,
    String(crypto.randomInt(100)).padStart(2, '0') + String(1 + 2 * crypto.randomInt(5)), // odd sequence digit: a man
  );
  const housing =
    opts.housing === 'owned'
      ? { type: 'owned', certificateNumber: `FC-${crypto.randomInt(1e6)}` }
      : { type: 'rented', contractNumber: `ZL-${crypto.randomInt(1e6)}`, registered: opts.housing !== 'rented_unregistered' };
  return {
    enrollmentYear: opts.year ?? 2027,
    district: opts.district ?? 'demo',
    stage: 'primary_1',
    child: { name: '王小明', idNumber: child.idNumber, birthDate: child.birthDate, sex: 'male', householdRegistration: '河南省周口市' },
    guardians: [
      {
        name: '王建国',
        idNumber: father,
        phone: '13812345678',
        relationship: 'father',
        employment: opts.selfEmployed
          ? { type: 'self_employed', employerName: '王记小吃店', creditCode: CREDIT_CODE }
          : { type: 'employed', employerName: '演示重点企业有限公司', creditCode: CREDIT_CODE, insuranceMonths: 36 },
      },
    ],
    residencePermit: {
      number: `JZZ-${crypto.randomInt(1e6)}`,
      issueDate: '2023-06-01',
      address: { district: '示范区', street: '演示街道', community: '幸福社区', detail: '幸福路8号' },
    },
    housing,
    specialCategories: opts.specialCategories ?? [],
    materials: opts.materials ?? [],
  };
}
