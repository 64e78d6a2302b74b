/** `ocr`: consumes the `ocr` queue (receipt photos and documents). */
import { createMediaHandler } from '../media.ts';
import { processDeps } from '../pipeline.ts';

export const handler = createMediaHandler('ocr', processDeps());
