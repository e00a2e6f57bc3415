// npm run bench [-- inbox | lifecycle | catalog | adjustment | open | console | evaluation | notices | longlived]: the project's benchmarks; each prints its figures last.
import { startTracing } from '../telemetry/tracing';

// Tracing (OTEL_EXPORTER_OTLP_ENDPOINT in the environment) starts before a bench loads pg, so that its queries are
// traced as a deployment's: the benches are loaded after it.
const tracing = startTracing('public-data-workflows-bench');
const which = process.argv[2] ?? 'inbox';
const benches: Record<string, () => Promise<void>> = {
  inbox: () => require('./bench-tasks').benchInbox(),
  lifecycle: () => require('./bench-lifecycle').benchLifecycle(),
  catalog: () => require('./bench-catalog').benchCatalog(),
  adjustment: () => require('./bench-adjustment').benchAdjustment(),
  open: () => require('./bench-open').benchOpen(),
  console: () => require('./bench-console').benchConsole(),
  evaluation: () => require('./bench-evaluation').benchEvaluation(),
  notices: () => require('./bench-notices').benchNotices(),
  longlived: () => require('./bench-longlived').benchLongLived(),
};
if (!benches[which]) {
  console.error(`unknown benchmark "${which}"; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
benches[which]().then(
  async () => {
    await tracing.shutdown();
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
