// A demo city: the city and two district big data authorities (each with its supervisors, Art. 32),
// the leading group, city and district agencies with valid unified social credit codes, and a catalog
// with entries of every share and open attribute. Tests seed one per file under their own prefix.
import { createHash } from 'node:crypto';
import { residentIdCheck, usccWithCheck } from '../domain/ids';
import type { CatalogField, EntryContent, LegalBasis } from '../domain/catalog';
import type { Role } from '../domain/types';
import type { Insertable } from 'kysely';
import type { Executor } from './index';
import type { OrganisationsTable } from './schema';
import { insertCatalogEntries } from './repositories/catalog';
import { insertOrganisations } from './repositories/organisations';
import { insertPeople } from './repositories/people';

export interface SeededCity {
  region: string;
  cityAuthority: string;
  countyAuthority: string;
  secondCountyAuthority: string;
  leadingGroup: string;
  /** health, market and resources are city agencies; donggangMarket is Donggang district's. */
  agencies: { market: string; health: string; resources: string; donggangMarket: string };
  entries: {
    unconditional: string;
    conditional: string;
    none: string;
    conditionalOpen: string;
    /** CONDITIONAL sharing, provided by the Donggang district agency. */
    countyConditional: string;
  };
}

/** A valid resident ID number for a test or demo person, the same for the same seed (Rizhao Donggang, born 1960–1999). */
export function sampleResidentId(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const first17 = `371102${1960 + (h[0] % 40)}${pad(1 + (h[1] % 12), 2)}${pad(1 + (h[2] % 28), 2)}${pad(h.readUInt16BE(3) % 1000, 3)}`;
  return first17 + residentIdCheck(first17);
}

/** A valid unified social credit code for an agency (registration dept 1, type 1: 机关), Rizhao region 371100. */
function agencyUscc(seed: string): string {
  const digits = BigInt('0x' + createHash('sha256').update(seed).digest('hex').slice(0, 15))
    .toString()
    .padStart(9, '0')
    .slice(-9);
  return usccWithCheck(`11371100${digits}`);
}

/** The ids a seeded city has (without touching the database). */
export function cityIds(prefix: string, region: string): SeededCity {
  const id = (s: string) => `${prefix}-${s}`;
  return {
    region,
    cityAuthority: id('city-bda'),
    countyAuthority: id('donggang-bda'),
    secondCountyAuthority: id('lanshan-bda'),
    leadingGroup: id('leading-group'),
    agencies: {
      market: id('market-regulation'),
      health: id('health-commission'),
      resources: id('natural-resources'),
      donggangMarket: id('donggang-market-regulation'),
    },
    entries: {
      unconditional: id('enterprise-registry'),
      conditional: id('medical-institutions'),
      none: id('case-files'),
      conditionalOpen: id('land-parcels'),
      countyConditional: id('donggang-street-vendors'),
    },
  };
}

/** Fields as [name, 信息项名称, identifies, type]: the demo entries' content (Art. 9 ¶1, 10 ¶2). */
const fields = (...fs: [string, string, CatalogField['identifies'], CatalogField['type']?][]) =>
  JSON.stringify(fs.map(([name, label, identifies, type]): CatalogField => ({ name, label, type: type ?? 'string', description: '', identifies })));
const PIPL_13 = JSON.stringify([{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }] satisfies LegalBasis[]);

export async function seedCity(db: Executor, prefix = 'rz', region = 'rizhao'): Promise<SeededCity> {
  const id = (s: string) => `${prefix}-${s}`;
  const city = cityIds(prefix, region);
  // Every authority and agency of the demo city is a 机关 (its code begins 11), so a government department (政务部门)
  // whose sharing with another the 条例 binds; the leading group is a coordinating body that neither asks nor provides.
  const governmentDepartment = (o: Insertable<OrganisationsTable>) => ({ ...o, government_department: o.kind === 'authority' || o.kind === 'agency' });
  const organisations: Insertable<OrganisationsTable>[] = [
    { id: city.cityAuthority, name: '日照市大数据发展局', kind: 'authority', level: 'city', region, division: '371100', uscc: agencyUscc(id('city-bda')) },
    { id: city.countyAuthority, name: '东港区大数据局', kind: 'authority', level: 'county', region, division: '371102', uscc: agencyUscc(id('donggang-bda')) },
    {
      id: city.secondCountyAuthority,
      name: '岚山区大数据局',
      kind: 'authority',
      level: 'county',
      region,
      division: '371103',
      uscc: agencyUscc(id('lanshan-bda')),
    },
    { id: city.leadingGroup, name: '日照市数字强市领导小组', kind: 'leading_group', level: 'city', region, division: '371100', uscc: null },
    { id: city.agencies.market, name: '日照市市场监督管理局', kind: 'agency', level: 'city', region, division: '371100', uscc: agencyUscc(id('market')) },
    { id: city.agencies.health, name: '日照市卫生健康委员会', kind: 'agency', level: 'city', region, division: '371100', uscc: agencyUscc(id('health')) },
    {
      id: city.agencies.resources,
      name: '日照市自然资源和规划局',
      kind: 'agency',
      level: 'city',
      region,
      division: '371100',
      uscc: agencyUscc(id('resources')),
    },
    {
      id: city.agencies.donggangMarket,
      name: '日照市东港区市场监督管理局',
      kind: 'agency',
      level: 'county',
      region,
      division: '371102',
      uscc: agencyUscc(id('donggang-market')),
    },
  ];
  await insertOrganisations(db, organisations.map(governmentDepartment));
  await insertCatalogEntries(
    db,
    [
      {
        id: city.entries.unconditional,
        provider_org_id: city.agencies.market,
        title: '企业登记信息',
        // Data of legal persons, identified by their code (Art. 10 ¶2); the legal representative is named, not identified.
        fields: fields(
          ['uscc', '统一社会信用代码', 'organisation', 'uscc'],
          ['name', '企业名称', null],
          ['legal_representative', '法定代表人', null],
          ['registered_at', '成立日期', null, 'date'],
        ),
        update_frequency: '每日',
        share_attribute: 'UNCONDITIONAL',
        open_attribute: 'UNCONDITIONAL',
      },
      {
        id: city.entries.conditional,
        provider_org_id: city.agencies.health,
        title: '医疗机构执业信息',
        fields: fields(
          ['institution', '机构名称', 'organisation'],
          ['institution_uscc', '机构统一社会信用代码', 'organisation', 'uscc'],
          ['licence_no', '执业许可证号', null],
          ['beds', '核定床位数', null, 'number'],
          ['departments', '诊疗科目', null],
        ),
        update_frequency: '每月',
        share_attribute: 'CONDITIONAL',
        share_reasons: '含执业许可细节,需限定用途',
        share_conditions: '仅用于履行卫生监管或公共服务职责',
        open_attribute: 'CONDITIONAL',
        open_reasons: '数据安全要求较高',
        open_ground: 'security',
        open_conditions: '签订开放利用协议',
      },
      {
        id: city.entries.none,
        provider_org_id: city.agencies.market,
        title: '行政执法案卷',
        fields: fields(
          ['case_no', '案件编号', null],
          ['party', '当事人', 'person'],
          ['party_id', '当事人身份证件号码', 'person', 'id_number'],
          ['facts', '违法事实', null],
        ),
        update_frequency: '实时',
        share_attribute: 'NONE',
        share_basis: PIPL_13,
        open_attribute: 'NONE',
        open_basis: PIPL_13,
      },
      {
        id: city.entries.conditionalOpen,
        provider_org_id: city.agencies.resources,
        title: '国有建设用地供应信息',
        fields: fields(['parcel', '宗地编号', null], ['area', '供地面积', null, 'number'], ['use', '土地用途', null], ['price', '成交价格', null, 'number']),
        form: 'file',
        update_frequency: '每季度',
        share_attribute: 'UNCONDITIONAL',
        open_attribute: 'CONDITIONAL',
        open_reasons: '需按特定条件提供',
        open_ground: 'particular_conditions',
        open_conditions: '签订开放利用协议',
      },
      {
        id: city.entries.countyConditional,
        provider_org_id: city.agencies.donggangMarket,
        title: '东港区流动摊贩登记信息',
        fields: fields(
          ['vendor', '摊贩姓名', 'person'],
          ['vendor_id', '摊贩身份证件号码', 'person', 'id_number'],
          ['location', '经营地点', null],
          ['goods', '经营品类', null],
          ['registered_at', '登记日期', null, 'date'],
        ),
        update_frequency: '每周',
        share_attribute: 'CONDITIONAL',
        share_reasons: '含个人经营者信息',
        share_conditions: '仅用于市场监管或城市管理职责',
        open_attribute: 'NONE',
        open_basis: PIPL_13,
      },
    ],
    'seed',
  );
  return city;
}

/** A share request of the seeded city's conditionally shared entry, as the tests and the cluster's drives submit it. */
export const validShareBody = (catalogEntryId: string) => ({
  catalogEntryId,
  scenario: 'Licensing inspections of private clinics',
  statutoryDuty: 'Market supervision of medical advertising (广告法)',
  commitment: { authenticity: true, compliance: true, security: true },
});

/** An open application for the seeded conditionally open entry (its land parcels), for research in a sandbox. */
export const validOpenRequestBody = (catalogEntryId: string) => ({
  catalogEntryId,
  purpose: '研究土地供应',
  scenario: '高校科研',
  fields: ['parcel', 'area', 'price'],
  accessMethod: 'sandbox',
  securityMeasures: '数据沙箱',
  termMonths: 12,
});

/**
 * A new entry an agency may add as it stands (shared and opened on conditions, every rule of
 * domain/catalog.ts met, the Art. 19 review not needed as it is not opened): for tests, the fuzz and the bench.
 */
export function sampleEntryContent(title: string): EntryContent {
  return {
    title,
    description: '',
    fields: [
      { name: 'permit_no', label: '许可证号', type: 'string', description: '许可证号', identifies: null },
      { name: 'holder', label: '持证单位', type: 'string', description: '持证单位', identifies: 'organisation' },
      { name: 'holder_uscc', label: '持证单位统一社会信用代码', type: 'uscc', description: '持证单位统一社会信用代码', identifies: 'organisation' },
    ],
    form: 'table',
    useConditions: null,
    updateFrequency: '每月',
    share: { attribute: 'CONDITIONAL', reasons: '含经营信息', conditions: '仅用于履职', basis: [] },
    open: { attribute: 'NONE', ground: null, reasons: null, conditions: null, basis: JSON.parse(PIPL_13) as LegalBasis[], opening: null },
    priorityOpen: false,
  };
}

export interface DemoUser {
  label: string;
  sub: string;
  /** null: a member of the public. */
  org: string | null;
  roles: Role[];
  /** The name their token carries (staff; a member of the public says who they are through PUT /principals/me). */
  name?: string;
}

/** One person per role in the demo city; identities live in tokens, so these are all there is to a user. */
export function demoUsers(city: SeededCity): DemoUser[] {
  return [
    { label: 'applicant (market regulation)', sub: 'li.applicant', org: city.agencies.market, roles: ['agency_applicant'], name: '李明' },
    { label: 'authority reviewer (city)', sub: 'wang.authority', org: city.cityAuthority, roles: ['authority_reviewer'], name: '王芳' },
    { label: 'provider reviewer (health commission)', sub: 'zhao.provider', org: city.agencies.health, roles: ['provider_reviewer'], name: '赵敏' },
    // The head of the health commission's 政务数据共享工作机构: approves or refuses its provider's extension of an answer (《政务数据共享条例》).
    { label: 'head of sharing work (health commission)', sub: 'xu.head', org: city.agencies.health, roles: ['sharing_head'], name: '许诺' },
    // The market regulator's reviewer: its turn when its catalog's share attribute is disputed (Art. 13 ¶3).
    { label: 'provider reviewer (market regulation)', sub: 'he.market', org: city.agencies.market, roles: ['provider_reviewer'], name: '何静' },
    // The heads of the authorities' own data work: an authority's review task that escalates (督办升级, Art. 32) is theirs to decide too.
    { label: 'head of data work (city authority)', sub: 'lin.head', org: city.cityAuthority, roles: ['sharing_head'], name: '林峰' },
    { label: 'head of data work (Donggang authority)', sub: 'tang.head', org: city.countyAuthority, roles: ['sharing_head'], name: '唐宁' },
    { label: 'authority reviewer (Donggang county)', sub: 'sun.county', org: city.countyAuthority, roles: ['authority_reviewer'], name: '孙强' },
    { label: 'authority reviewer (Lanshan county)', sub: 'qian.county', org: city.secondCountyAuthority, roles: ['authority_reviewer'], name: '钱丽' },
    { label: 'leading group', sub: 'zhou.leading', org: city.leadingGroup, roles: ['leading_group'], name: '周正' },
    { label: 'supervisor (city authority)', sub: 'wu.supervisor', org: city.cityAuthority, roles: ['supervisor'], name: '吴刚' },
    { label: 'supervisor (Donggang authority)', sub: 'zheng.supervisor', org: city.countyAuthority, roles: ['supervisor'], name: '郑洁' },
    {
      label: 'provider reviewer (Donggang market regulation)',
      sub: 'liu.county',
      org: city.agencies.donggangMarket,
      roles: ['provider_reviewer'],
      name: '刘洋',
    },
    { label: 'catalog officer (Donggang market regulation)', sub: 'ma.officer', org: city.agencies.donggangMarket, roles: ['agency_applicant'], name: '马骏' },
    { label: 'provider reviewer (natural resources)', sub: 'gao.resources', org: city.agencies.resources, roles: ['provider_reviewer'], name: '高远' },
    { label: 'public applicant', sub: 'chen.citizen', org: null, roles: ['public_applicant'] },
    { label: 'admin', sub: 'admin', org: city.cityAuthority, roles: ['admin'], name: '系统管理员' },
  ];
}

/** The demo city's staff in the directory of people, so that a task can be handed to them before they first sign in. */
export async function seedDemoPeople(db: Executor, city: SeededCity): Promise<void> {
  await insertPeople(
    db,
    demoUsers(city).flatMap((u) => (u.org === null ? [] : [{ sub: u.sub, org: u.org, roles: u.roles, name: u.name ?? null }])),
  );
}

export const DEMO_PREFIX = 'rz';
export const DEMO_REGION = 'rizhao';
