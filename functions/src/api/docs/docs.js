// The /docs page's own script (a file, not inline, so the page's CSP can forbid inline script).
// It starts Swagger UI on /openapi.json and signs "Try it out" requests in the browser: the
// secret typed into the kantongSignature box never leaves the page; each request gets a fresh
// nonce, the current time and the HMAC the server checks (shared/src/security/hmac.ts).

const encoder = new TextEncoder();

/** `sha256=` + hex HMAC-SHA256 of `message` under `secret` (WebCrypto: https or localhost only). */
async function hmacHex(secret, message) {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  return `sha256=${Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function headerNamed(headers, name) {
  return Object.keys(headers).find((key) => key.toLowerCase() === name);
}

/**
 * Signs `request` ({ url, method, headers, body }) when its x-kantong-signature header holds the
 * secret rather than a signature; anything else passes unchanged.
 */
async function kantongSign(request) {
  const headers = request.headers || {};
  const signatureKey = headerNamed(headers, 'x-kantong-signature');
  const secret = signatureKey ? headers[signatureKey] : '';
  if (!secret || /^sha256=[0-9a-f]{64}$/.test(secret)) return request;
  for (const name of ['x-kantong-signature', 'x-kantong-timestamp', 'x-kantong-nonce']) {
    const key = headerNamed(headers, name);
    if (key) delete headers[key];
  }
  const url = new URL(request.url, window.location.href);
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = typeof request.body === 'string' ? request.body : '';
  const payload = `${nonce}\n${String(request.method || 'GET').toUpperCase()} ${url.pathname}${url.search}\n${body}`;
  headers['x-kantong-nonce'] = nonce;
  headers['x-kantong-timestamp'] = timestamp;
  headers['x-kantong-signature'] = await hmacHex(secret, `${timestamp}.${payload}`);
  request.headers = headers;
  return request;
}
window.kantongSign = kantongSign;

window.addEventListener('DOMContentLoaded', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No badge fetched from validator.swagger.io: nothing leaves this origin.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    requestInterceptor: kantongSign,
  });
});
