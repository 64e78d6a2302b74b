/**
 * fauxqs with its SQLite persistence, in its own process, for `BENCH_SQS=fauxqs npm run
 * bench:load`: the side-by-side measurement of another real SQS-compatible server against
 * ElasticMQ (issue 16 item 3), durable like ElasticMQ's H2 storage, its CPU counted apart from
 * the load generator's. Started by bench-load.ts with fork(); answers { type: 'ready', endpoint }.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFauxqs } from 'fauxqs';

const dataDir = await mkdtemp(join(tmpdir(), 'kantong-load-fauxqs-'));
const server = await startFauxqs({
  port: 0,
  host: '127.0.0.1',
  logger: false,
  defaultRegion: 'ap-southeast-3',
  dataDir,
});
process.send?.({ type: 'ready', endpoint: `http://127.0.0.1:${server.port}` });
process.on('message', (message) => {
  if (message !== 'stop') return;
  void server
    .stop()
    .then(() => rm(dataDir, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
