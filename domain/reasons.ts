// The reasons the workflows themselves record (a consultation that lapsed, a term that ended) as a person reads them:
// the notices write them so, and the console shows them so on a request's timeline. A person's own words pass as written.
import { shanghaiTime } from './calendar';

/** Issue 24 §6: a renewal still being decided when the grant it renews was revoked, stopped or ended by its grantee. */
export const RENEWED_GRANT_ENDED = 'the grant renewed was revoked, stopped or ended by its grantee';

const SYSTEM_REASONS_ZH: Record<string, string> = {
  'no agreement is possible': '协商不成',
  'the consultation deadline passed without agreement': '协商期限届满，未达成一致',
  'the agreement term ended': '协议期限届满',
  'the grant term ended': '授权期限届满',
  'the grant ended': '授权已终止',
  'the request ended': '申请已终结',
  // A review's tasks closed while the applicant holds the clock (Art. 14, 15; 一次性告知).
  'paused: information requested from the applicant': '已要求申请人补充材料，审核暂停',
  'unsigned within the time allowed: the agreement lapsed': '未在规定期限内签署，协议失效',
  [RENEWED_GRANT_ENDED]: '所续期的共享授权已被撤销、经同意停止或由被授权方终止，续期申请随之终止',
};
const CONSULTATION_LAPSED = /^no agreement by the consultation deadline \((.+)\)$/;
/** A reason in Chinese: a person's words as written, the workflows' own in Chinese. */
export function reasonInChinese(reason: string): string {
  const lapsed = CONSULTATION_LAPSED.exec(reason);
  if (lapsed) return `协商期限（${Number.isNaN(Date.parse(lapsed[1])) ? lapsed[1] : shanghaiTime(lapsed[1])}）届满，未达成一致`;
  return SYSTEM_REASONS_ZH[reason] ?? reason;
}
