/** From applications to the allocation's input (priority groups, catchments, siblings) and the numbers against targets. */
import { allocate, type AllocationStats } from '../../domain/allocation';
import {
  DEFAULT_ROUND_CONFIG,
  buildApplicants,
  catchmentMap,
  communityCodeOf,
  priorityGroupOf,
  priorityGroupsZh,
  roundNumbers,
  type PoolApplication,
} from '../../domain/allocation-pool';

const app = (no: string, extra: Partial<PoolApplication> = {}): PoolApplication => ({
  applicationNumber: no,
  pointsTotal: 10,
  specialCategories: [],
  street: '演示街道',
  community: '幸福社区',
  siblingApplicationNumber: null,
  submittedAt: '2027-05-01T00:00:00.000Z',
  ...extra,
});

const catchments = catchmentMap([
  { street: '演示街道', community: '幸福社区', schoolId: 'P1' },
  { street: '演示街道', community: '', schoolId: 'P2' },
  { street: '和平 街道', community: '', schoolId: 'P3' },
]);

describe('the pool', () => {
  it('matches a community before its whole street, ignoring stray spaces, and keeps unknown places visible', () => {
    expect(communityCodeOf(catchments, '演示街道', '幸福社区')).toBe('演示街道/幸福社区');
    expect(catchments['演示街道/幸福社区']).toBe('P1');
    expect(communityCodeOf(catchments, '演示街道', '光明社区')).toBe('演示街道/*');
    expect(catchments['演示街道/*']).toBe('P2');
    expect(communityCodeOf(catchments, '和平街道 ', '任何社区')).toBe('和平街道/*');
    expect(communityCodeOf(catchments, '远方街道', '某社区')).toBe('远方街道/某社区');
    expect(catchments['远方街道/某社区']).toBeUndefined();
  });

  it('puts a child in the first configured group one of its categories belongs to', () => {
    expect(priorityGroupOf(DEFAULT_ROUND_CONFIG, ['key_enterprise', 'military_family'])).toBe(0);
    expect(priorityGroupOf(DEFAULT_ROUND_CONFIG, ['orphan'])).toBe(1);
    expect(priorityGroupOf(DEFAULT_ROUND_CONFIG, ['introduced_talent'])).toBe(2);
    expect(priorityGroupOf(DEFAULT_ROUND_CONFIG, ['needy_family'])).toBe(3);
    expect(priorityGroupsZh(DEFAULT_ROUND_CONFIG).at(-1)).toBe('第4类：其他随迁子女');
  });

  it('links siblings in the pool into one family, together when any of them asked for it', () => {
    const applicants = buildApplicants(
      [
        app('2027-X-000001'),
        app('2027-X-000002', { siblingApplicationNumber: '2027-X-000001', specialCategories: ['sibling_enrolled'] }),
        app('2027-X-000003', { siblingApplicationNumber: '2027-X-000002' }),
        app('2027-X-000004', { siblingApplicationNumber: '2027-X-999999' }), // the sibling is not in this pool
        app('2027-X-000005'),
        app('2027-X-000006', { siblingApplicationNumber: '2027-X-000005' }), // linked, but nobody asked
      ],
      catchments,
      DEFAULT_ROUND_CONFIG,
    );
    const by = new Map(applicants.map((a) => [a.applicationNumber, a]));
    for (const n of ['2027-X-000001', '2027-X-000002', '2027-X-000003']) expect(by.get(n)).toMatchObject({ siblingGroup: '2027-X-000001', siblingsTogether: true });
    expect(by.get('2027-X-000004')?.siblingGroup).toBeUndefined();
    expect(by.get('2027-X-000006')).toMatchObject({ siblingGroup: '2027-X-000005', siblingsTogether: false });
    expect(by.get('2027-X-000001')?.tieBreak).toBe('2027-05-01T00:00:00.000Z|2027-X-000001');
  });

  it('feeds the allocation: siblings placed together at the elder-ranked one’s school', () => {
    const applicants = buildApplicants(
      [app('2027-X-000001', { pointsTotal: 20 }), app('2027-X-000002', { pointsTotal: 1, siblingApplicationNumber: '2027-X-000001', specialCategories: ['sibling_enrolled'] }), app('2027-X-000003', { pointsTotal: 5 })],
      catchments,
      DEFAULT_ROUND_CONFIG,
    );
    const r = allocate({
      schools: [
        { id: 'P1', nameZh: '第一小学', kind: 'public', seats: 2 },
        { id: 'P2', nameZh: '第二小学', kind: 'public', seats: 5 },
        { id: 'P3', nameZh: '第三小学', kind: 'public', seats: 5 },
      ],
      catchments,
      distances: { P1: [{ schoolId: 'P2', distance: 1 }] },
      applicants,
      rules: { priorityOrder: ['a', 'b', 'c', 'd'], allowSiblingsTogether: true },
    });
    expect(Object.fromEntries(r.placements.map((p) => [p.applicationNumber, `${p.type}:${p.schoolId}`]))).toEqual({
      '2027-X-000001': 'catchment:P1',
      '2027-X-000002': 'catchment:P1', // at its elder sibling's turn, ahead of 000003
      '2027-X-000003': 'adjusted:P2',
    });
  });
});

describe('numbers against the targets', () => {
  const stats = (over: Partial<AllocationStats>): AllocationStats => ({
    applicants: 100, placed: 100, unplaced: 0, catchment: 80, adjusted: 14, purchasedSeats: 6, publicPlaced: 94, publicShare: 0.94,
    purchasedCost: 48000, purchasedSeatsWithoutPrice: 0, ...over,
  });

  it('says which targets are met and by how many children the others are missed', () => {
    const n = roundNumbers(stats({}));
    expect(n.placementRate).toBe(1);
    expect(n.targets).toEqual([
      expect.objectContaining({ code: 'placement_100', met: true, shortBy: 0 }),
      expect.objectContaining({ code: 'public_95', met: false, shortBy: 1, nameZh: '公办学校就读比例达到95%以上' }),
      expect.objectContaining({ code: 'public_100', met: false, shortBy: 6 }),
    ]);
    const ok = roundNumbers(stats({ adjusted: 15, purchasedSeats: 5, publicPlaced: 95, publicShare: 0.95 }));
    expect(ok.targets.find((t) => t.code === 'public_95')?.met).toBe(true);
    const short = roundNumbers(stats({ placed: 97, unplaced: 3, publicPlaced: 97, publicShare: 1, purchasedSeats: 0 }));
    expect(short.targets[0]).toMatchObject({ met: false, shortBy: 3 });
  });
});
