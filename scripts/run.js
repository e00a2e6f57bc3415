// `node scripts/run.js <file.ts> [args]`: installs npm packages when missing, then runs a TypeScript
// entry point in this very process, so signals sent to `npm start` reach the code that handles them.
require('./ensure-deps');
require('tsx/cjs/api').register();
const entry = require('node:path').resolve(process.argv[2]);
// The entry point sees its own arguments from argv[2] on, as if it had been run directly.
process.argv.splice(1, 1);
require(entry);
