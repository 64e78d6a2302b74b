/**
 * `npm run -s stt -- FILE`: transcribes one voice note (Indonesian) and prints one JSON object,
 * `{text, language, duration_s}` (the same as `POST /media/stt`). A silent note prints `text: ""`.
 * Exit 2 on an undecodable file, 3 when no speech engine is installed (`npm run models`).
 */
import { SpeechUnavailableError, transcribeFile, UnreadableAudioError } from './index.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run -s stt -- FILE');
  process.exit(2);
}
try {
  const transcript = await transcribeFile(file);
  console.log(
    JSON.stringify({
      text: transcript.text,
      language: transcript.language,
      duration_s: transcript.duration_s,
    }),
  );
} catch (error) {
  console.error(`stt: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof SpeechUnavailableError ? 3 : error instanceof UnreadableAudioError ? 2 : 1);
}
