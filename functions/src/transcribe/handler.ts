/** `transcribe`: consumes the `transcribe` queue (voice notes). */
import { createMediaHandler } from '../media.ts';
import { processDeps } from '../pipeline.ts';

export const handler = createMediaHandler('transcribe', processDeps());
