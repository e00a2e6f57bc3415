// npm run token -- <sub> <org> <role[,role...]> [expiry]: prints a signed dev token for JWT_SECRET.
import { loadSecrets } from '../config';
import { ROLES, type Role } from '../domain/types';
import { devToken } from './tokens';

const [sub, org, roles, expiresIn = '12h'] = process.argv.slice(2);
if (!sub || !org || !roles) {
  console.error(`usage: npm run token -- <sub> <org> <role[,role...]> [expiry]\nroles: ${ROLES.join(', ')}`);
  process.exit(2);
}
const list = roles.split(',') as Role[];
const unknown = list.filter((r) => !ROLES.includes(r));
if (unknown.length) {
  console.error(`unknown role(s): ${unknown.join(', ')}; roles: ${ROLES.join(', ')}`);
  process.exit(2);
}
console.log(devToken(loadSecrets().jwtSecret, { sub, org, roles: list }, expiresIn));
