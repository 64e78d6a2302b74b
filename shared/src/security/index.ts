export * from './hmac.ts';
export * from './nonces.ts';
