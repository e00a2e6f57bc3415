// npm run bench [-- inbox | lifecycle | catalog | adjustment | open | console | evaluation | notices]: the project's benchmarks; each prints its figures last.
import { benchAdjustment } from './bench-adjustment';
import { benchConsole } from './bench-console';
import { benchEvaluation } from './bench-evaluation';
import { benchCatalog } from './bench-catalog';
import { benchLifecycle } from './bench-lifecycle';
import { benchNotices } from './bench-notices';
import { benchOpen } from './bench-open';
import { benchInbox } from './bench-tasks';

const which = process.argv[2] ?? 'inbox';
const benches: Record<string, () => Promise<void>> = {
  inbox: benchInbox,
  lifecycle: benchLifecycle,
  catalog: benchCatalog,
  adjustment: benchAdjustment,
  open: benchOpen,
  console: benchConsole,
  evaluation: benchEvaluation,
  notices: benchNotices,
};
if (!benches[which]) {
  console.error(`unknown benchmark "${which}"; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
benches[which]().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
