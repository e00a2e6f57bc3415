// Administrative divisions (GB/T 2260): which authority is "本级" for an organisation, which is "市",
// and what a supervisor oversees (Art. 32).

/** The demo city's divisions: Rizhao and its districts and counties. */
export const RIZHAO_DIVISIONS = {
  '371100': '日照市',
  '371102': '东港区',
  '371103': '岚山区',
  '371121': '五莲县',
  '371122': '莒县',
} as const;

export function isDivisionCode(code: string): boolean {
  return /^[1-9]\d{5}$/.test(code);
}

/** A prefecture-level city's own code ends in 00 (371100); its districts and counties do not. */
export function isCityDivision(code: string): boolean {
  return isDivisionCode(code) && code.endsWith('00');
}

/** The city a division belongs to: 371102 → 371100. */
export function cityDivisionOf(code: string): string {
  return `${code.slice(0, 4)}00`;
}

/**
 * Whether the authority of `overseer` oversees `division`: its own, and for a city its districts and
 * counties too (市、县(区)大数据工作主管部门, Art. 32).
 */
export function oversees(overseer: string, division: string): boolean {
  return overseer === division || (isCityDivision(overseer) && cityDivisionOf(division) === overseer);
}
