// The periods a supervisor picks (this month, quarter and year in Asia/Shanghai and those before), named in Chinese,
// and how the evaluation page writes its figures. No browser in here: the dashboard's test reads them too.
import { shanghaiDay } from '../../domain/calendar';

const QUARTERS = '一二三四';
/** A period's name in Chinese: 2026年12月, 2026年第四季度, 2026年. */
export function periodName(p: string): string {
  if (p.length === 4) return `${p}年`;
  if (p[5] === 'Q') return `${p.slice(0, 4)}年第${QUARTERS[Number(p[6]) - 1]}季度`;
  return `${p.slice(0, 4)}年${Number(p.slice(5))}月`;
}

/** The period of the same kind `back` periods before `p`. */
export function periodBefore(p: string, back = 1): string {
  const year = Number(p.slice(0, 4));
  if (p.length === 4) return String(year - back);
  if (p[5] === 'Q') {
    const n = year * 4 + Number(p[6]) - 1 - back;
    return `${Math.floor(n / 4)}-Q${(n % 4) + 1}`;
  }
  const n = year * 12 + Number(p.slice(5)) - 1 - back;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

/** This month, quarter and year in Asia/Shanghai, and the ones before them: what the picker offers. */
export function pickablePeriods(now = new Date()): { group: string; items: { value: string; text: string }[] }[] {
  const day = shanghaiDay(now);
  const month = day.slice(0, 7);
  const quarter = `${day.slice(0, 4)}-Q${Math.ceil(Number(day.slice(5, 7)) / 3)}`;
  const year = day.slice(0, 4);
  const list = (current: string, n: number, now: string) =>
    Array.from({ length: n }, (_, i) => periodBefore(current, i)).map((p, i) => ({ value: p, text: i === 0 ? `${periodName(p)}（${now}）` : periodName(p) }));
  return [
    { group: '季度', items: list(quarter, 4, '本季度') },
    { group: '月份', items: list(month, 6, '本月') },
    { group: '年度', items: list(year, 2, '本年') },
  ];
}

export const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
export const workingDays = (d: number | null) => (d === null ? '—' : `${d} 个工作日`);
