export * from './client.ts';
export * from './envelope.ts';
export * from './topology.ts';
