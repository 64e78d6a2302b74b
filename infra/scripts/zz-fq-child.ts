import { buildApp } from 'fauxqs';

const base = import.meta.resolve('fauxqs');
const { PersistenceManager } = await import(new URL('./persistence.js', base).href);
const { SqsStore } = await import(new URL('./sqs/sqsStore.js', base).href);
const { SnsStore } = await import(new URL('./sns/snsStore.js', base).href);
const { S3Store } = await import(new URL('./s3/s3Store.js', base).href);
const sqsStore = new SqsStore(),
  snsStore = new SnsStore(),
  s3Store = new S3Store();
const durable = process.env.D !== '0';
if (durable) {
  const pm = new PersistenceManager(process.argv[2]);
  pm.load(sqsStore, snsStore, s3Store);
  sqsStore.persistence = pm;
  snsStore.persistence = pm;
  s3Store.persistence = pm;
  for (const q of sqsStore.allQueues()) q.persistence = pm;
}
const app = buildApp({
  logger: false,
  defaultRegion: 'ap-southeast-3',
  stores: { sqsStore, snsStore, s3Store },
});
await app.listen({ port: 0, host: '127.0.0.1' });
const a = app.server.address() as { port: number };
process.send?.({ endpoint: `http://127.0.0.1:${a.port}` });
