/**
 * A small stand-in for Lambda's Node.js runtime (nodejs24.x), for `npm run verify:lambda`.
 * It runs in its own process with the unpacked zip as its working directory (LAMBDA_TASK_ROOT),
 * loads the handler named in `_HANDLER` the way the runtime does ("path/to/module.export",
 * trying .js, .mjs then .cjs), and calls it with (event, context) for every event the parent
 * sends over IPC, one at a time, as one Lambda instance does. A failed init (a missing file, a
 * handler that throws at import — a missing secret) is reported and ends the process, as Lambda
 * reports Runtime.ImportModuleError / an init error and never takes the instance into service.
 *
 * Plain JavaScript on purpose: it is the runtime, not part of the package, and runs on Node's
 * own loader with nothing from the repository.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const spec = process.env._HANDLER ?? '';
const dot = spec.lastIndexOf('.');
const modulePath = spec.slice(0, dot);
const exportName = spec.slice(dot + 1);
const timeoutMs = Number(process.env.KANTONG_VERIFY_TIMEOUT_S ?? '30') * 1000;

function reply(message) {
  process.send?.(message);
}

async function loadHandler() {
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(root, `${modulePath}${ext}`)).find(existsSync);
  if (!file) throw new Error(`Runtime.ImportModuleError: Cannot find module '${modulePath}' in ${root}`);
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw new Error(`Runtime.HandlerNotFound: ${spec} is undefined or not exported`);
  }
  return handler;
}

function contextFor(requestId) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: `verify/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

let handler;
try {
  handler = await loadHandler();
  reply({ type: 'ready' });
} catch (error) {
  reply({
    type: 'init-error',
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  process.exit(1);
}

process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  const requestId = randomUUID();
  try {
    const result = await Promise.race([
      handler(message.event, contextFor(requestId)),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
    reply({ type: 'result', id: message.id, result: result ?? null });
  } catch (error) {
    reply({
      type: 'error',
      id: message.id,
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
});
