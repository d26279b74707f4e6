/**
 * Where the simulated kiosks stand: Shanghai districts, their 街道 community service centres (gov-24h
 * kiosks) and hospital outpatient halls (hospital kiosks), around 31.2N 121.47E. `planFleet` is pure
 * and seeded, so the bench can enroll the very kiosks the simulator will drive.
 */
import { mulberry32, streamSeed } from './random.ts';

export type KioskKind = 'gov-24h' | 'hospital';

export interface KioskPlan {
  id: string;
  kind: KioskKind;
  site: string;
  district: string;
  address: string;
  lat: number;
  lng: number;
}

interface District {
  name: string;
  lat: number;
  lng: number;
  /** how far kiosks spread from the centre, degrees */
  spread: number;
  streets: readonly string[];
  hospitals: readonly string[];
  roads: readonly string[];
}

const DISTRICTS: readonly District[] = [
  { name: '黄浦区', lat: 31.2317, lng: 121.4846, spread: 0.015, streets: ['南京东路', '外滩', '半淞园路', '小东门', '豫园', '老西门', '五里桥', '打浦桥', '淮海中路', '瑞金二路'], hospitals: ['瑞金医院', '第九人民医院', '黄浦区中心医院'], roads: ['河南中路', '西藏南路', '复兴东路', '中山南路', '淮海中路'] },
  { name: '徐汇区', lat: 31.1885, lng: 121.4365, spread: 0.025, streets: ['天平路', '湖南路', '斜土路', '枫林路', '长桥', '田林', '虹梅路', '康健新村', '徐家汇', '凌云路', '龙华', '漕河泾'], hospitals: ['中山医院', '第六人民医院', '龙华医院', '徐汇区中心医院'], roads: ['漕溪北路', '肇嘉浜路', '宜山路', '龙华中路', '衡山路'] },
  { name: '静安区', lat: 31.2472, lng: 121.4580, spread: 0.02, streets: ['江宁路', '石门二路', '南京西路', '静安寺', '曹家渡', '天目西路', '北站', '宝山路', '共和新路', '大宁路', '彭浦新村', '临汾路', '芷江西路'], hospitals: ['华山医院', '第十人民医院', '静安区中心医院', '市北医院'], roads: ['延安中路', '共和新路', '西康路', '万航渡路', '广延路'] },
  { name: '长宁区', lat: 31.2204, lng: 121.4241, spread: 0.018, streets: ['华阳路', '江苏路', '新华路', '天山路', '周家桥', '虹桥', '仙霞新村', '程家桥', '北新泾'], hospitals: ['同仁医院', '长宁区中心医院'], roads: ['长宁路', '仙霞路', '天山路', '延安西路'] },
  { name: '普陀区', lat: 31.2496, lng: 121.3972, spread: 0.02, streets: ['曹杨新村', '长风新村', '宜川路', '甘泉路', '石泉路', '真如镇', '万里'], hospitals: ['普陀区中心医院', '同济医院', '利群医院'], roads: ['中山北路', '曹杨路', '真北路', '武宁路'] },
  { name: '虹口区', lat: 31.2646, lng: 121.505, spread: 0.015, streets: ['欧阳路', '曲阳路', '广中路', '嘉兴路', '北外滩', '四川北路', '江湾镇'], hospitals: ['第一人民医院', '岳阳医院', '虹口区江湾医院'], roads: ['四川北路', '东江湾路', '大连西路', '海伦路'] },
  { name: '杨浦区', lat: 31.2596, lng: 121.526, spread: 0.02, streets: ['定海路', '平凉路', '江浦路', '四平路', '控江路', '长白新村', '延吉新村', '殷行', '大桥', '五角场', '新江湾城'], hospitals: ['新华医院', '长海医院', '杨浦区中心医院'], roads: ['控江路', '四平路', '黄兴路', '国和路', '长阳路'] },
  { name: '浦东新区', lat: 31.2215, lng: 121.5447, spread: 0.06, streets: ['陆家嘴', '潍坊新村', '洋泾', '塘桥', '花木', '金杨新村', '张江镇', '川沙新镇', '周家渡', '上钢新村', '南码头路', '沪东新村'], hospitals: ['东方医院', '仁济医院', '浦东医院', '周浦医院', '浦南医院'], roads: ['世纪大道', '张杨路', '浦东南路', '锦绣路', '浦建路', '金桥路'] },
  { name: '闵行区', lat: 31.1129, lng: 121.3817, spread: 0.04, streets: ['江川路', '古美路', '新虹', '浦锦', '莘庄镇', '七宝镇', '虹桥镇', '梅陇镇', '吴泾镇', '马桥镇', '华漕镇', '颛桥镇'], hospitals: ['闵行区中心医院', '第五人民医院', '吴泾医院'], roads: ['沪闵路', '莘松路', '七莘路', '虹井路', '剑川路'] },
  { name: '宝山区', lat: 31.4053, lng: 121.4895, spread: 0.04, streets: ['友谊路', '吴淞', '张庙', '罗店镇', '大场镇', '杨行镇', '月浦镇', '庙行镇', '淞南镇', '高境镇', '顾村镇'], hospitals: ['宝山区中心医院', '华山医院北院', '宝山区吴淞中心医院'], roads: ['牡丹江路', '友谊路', '同济路', '共和新路', '沪太路'] },
];

/** a 街道 or 镇 community service centre */
const govSite = (street: string): string => (street.endsWith('镇') ? `${street}社区事务受理中心` : `${street}街道社区事务受理中心`);

/** the id of kiosk `i` (0-based) of the fleet: `sim-00001` … */
export function kioskIdOf(prefix: string, i: number): string {
  return `${prefix}${String(i + 1).padStart(5, '0')}`;
}

/** The fleet's kiosks: ids, kinds (about three in ten in a hospital), sites, districts and coordinates. */
export function planFleet(o: { kiosks: number; seed?: number; prefix?: string }): KioskPlan[] {
  const prefix = o.prefix ?? 'sim-';
  const plan: KioskPlan[] = [];
  for (let i = 0; i < o.kiosks; i++) {
    const rng = mulberry32(streamSeed(o.seed ?? 1, 0x5eed0000 + i));
    const d = DISTRICTS[i % DISTRICTS.length]!;
    const kind: KioskKind = rng.next() < 0.3 ? 'hospital' : 'gov-24h';
    const site = kind === 'hospital' ? `${rng.pick(d.hospitals)}门诊大厅` : govSite(rng.pick(d.streets));
    const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
    plan.push({
      id: kioskIdOf(prefix, i),
      kind,
      site,
      district: d.name,
      address: `上海市${d.name}${rng.pick(d.roads)}${1 + rng.int(1500)}号`,
      lat: round6(d.lat + rng.between(-d.spread, d.spread)),
      lng: round6(d.lng + rng.between(-d.spread, d.spread)),
    });
  }
  return plan;
}

export const FLEET_DISTRICTS: readonly string[] = DISTRICTS.map((d) => d.name);
