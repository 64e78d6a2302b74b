export * from './hmac.ts';
