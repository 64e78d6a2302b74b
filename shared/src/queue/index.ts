export * from './client.ts';
export * from './direct.ts';
export * from './envelope.ts';
export * from './sender.ts';
export * from './topology.ts';
