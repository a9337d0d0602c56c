// Lamina's Node.js bootstrap: the loop AWS's Node.js runtime runs, with Node's own modules only.
//
// Run as `node /var/runtime/node_bootstrap.cjs` inside an environment: it loads the handler named
// by _HANDLER ("index.handler", "dir/mod.fn", "mod.a.b") from LAMBDA_TASK_ROOT (.js, .mjs or .cjs,
// CommonJS or ES modules), then takes events from the Runtime API at AWS_LAMBDA_RUNTIME_API for
// ever, calls the handler (async, promise-returning or callback style) and posts the result or
// AWS's error document ({errorType, errorMessage, trace}). console.* writes lines in AWS's format
// (time, request id, level), synchronously, so every line is out before the result is posted.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
// In Lamina's sandbox (no network) the Runtime API's own Unix socket: the relay offers it on
// 127.0.0.1:9001 for any runtime; this bootstrap, Lamina's own, skips the relay's hop.
const SANDBOX_SOCKET = '/var/lamina/runtime-api.sock';
const TARGET = process.env.AWS_LAMBDA_RUNTIME_API === '127.0.0.1:9001' && fs.existsSync(SANDBOX_SOCKET)
  ? { socketPath: SANDBOX_SOCKET } : { host: HOST, port: PORT };
const API = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let requestId = undefined;

class RuntimeError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { ...TARGET, method, path: API + route, agent, headers: headers || {} },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function errorDocument(error) {
  try {
    if (error instanceof Error || (error && typeof error === 'object' && 'stack' in error && 'message' in error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack || '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_) {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}

function write(level, args) {
  const line = util.format(...args).replace(/\n/g, '\r');
  fs.writeSync(1, `${new Date().toISOString()}\t${requestId}\t${level}\t${line}\n`);
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE', fatal: 'FATAL' };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => write(level, args);
  }
}

function findModule(root, name) {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(root, name + extension);
    if (fs.existsSync(file)) return file;
  }
  try {
    return require.resolve(name, { paths: [root] });
  } catch (_) {
    return null;
  }
}

async function loadHandler(root, fullHandler) {
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.length - base.length);
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerPath] = match;
  const file = findModule(path.resolve(root, moduleRoot), moduleName);
  if (!file) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${__filename}`);
  }
  let loaded;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`);
    if (error && error.code === 'MODULE_NOT_FOUND' || error && error.code === 'ERR_MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${error.message}`);
    }
    throw error;
  }
  const lookup = (object) => handlerPath.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);
  let handler = lookup(loaded);
  if (handler === undefined && loaded.default) handler = lookup(loaded.default);
  if (handler === undefined) throw new RuntimeError('Runtime.HandlerNotFound', `${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${fullHandler} is not a function`);
  return handler;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const parse = (name) => (headers[name] ? JSON.parse(headers[name]) : undefined);
  const identity = parse('lambda-runtime-cognito-identity');
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parse('lambda-runtime-client-context'),
    identity: identity && { cognitoIdentityId: identity.cognitoIdentityId, cognitoIdentityPoolId: identity.cognitoIdentityPoolId },
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error === undefined || error === null ? resolve(result) : reject(error));
    context.done = callback;
    context.succeed = (result) => resolve(result);
    context.fail = (error) => reject(error == null ? new Error('handled') : error);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      reject(error);
      return;
    }
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

async function postError(route, document) {
  const body = JSON.stringify(document);
  await call('POST', route, body, { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': document.errorType });
}

async function invoke(handler, next) {
  const headers = next.headers;
  requestId = headers['lambda-runtime-aws-request-id'];
  if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete process.env._X_AMZN_TRACE_ID;
  let result;
  try {
    const event = next.body.length ? JSON.parse(next.body.toString('utf8')) : null;
    result = await run(handler, event, makeContext(headers));
  } catch (error) {
    const document = errorDocument(error);
    write('ERROR', ['Invoke Error \t' + JSON.stringify(document)]);
    await postError(`/invocation/${requestId}/error`, document);
    return;
  }
  const body = JSON.stringify(result === undefined ? null : result);
  await call('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER || '');
  } catch (error) {
    const document = errorDocument(error);
    write('ERROR', ['Uncaught Exception \t' + JSON.stringify(document)]);
    await postError('/init/error', document);
    process.exit(1);
  }
  process.on('uncaughtException', async (error) => {
    const document = errorDocument(error);
    write('ERROR', ['Uncaught Exception \t' + JSON.stringify(document)]);
    if (requestId) await postError(`/invocation/${requestId}/error`, document).catch(() => {});
    process.exit(129);
  });
  process.on('unhandledRejection', (reason) => {
    throw reason instanceof Error ? reason : Object.assign(new Error(String(reason)), { name: 'Runtime.UnhandledPromiseRejection' });
  });
  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) {
      process.stderr.write(`Lamina bootstrap: /next answered ${next.status}\n`);
      process.exit(1);
    }
    await invoke(handler, next);
  }
}

main();
