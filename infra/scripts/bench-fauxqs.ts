/**
 * fauxqs in its own process, for `BENCH_SQS=fauxqs npm run bench:load`: the side-by-side
 * measurement of another real SQS-compatible server against ElasticMQ (issue 16 item 3), its CPU
 * counted apart from the load generator's. In memory: fauxqs keeps messages on disk only through
 * its own `startFauxqs`, which listens on every interface, and Kantong binds its servers to
 * 127.0.0.1 (infra/scripts/fauxqs.ts). Compare it with `BENCH_ELASTICMQ_MEMORY=1`.
 * Started by bench-load.ts with fork(); answers { endpoint }.
 */
import { startFauxqs } from './fauxqs.ts';

const server = await startFauxqs();
process.send?.({ type: 'ready', endpoint: server.endpoint });
process.on('message', (message) => {
  if (message !== 'stop') return;
  void server.stop().then(() => process.exit(0));
});
