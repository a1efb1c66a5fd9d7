import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.key',
  'headers.authorization',
  'secret',
  'password',
  '*.secret',
  '*.password',
  '*.secretKey',
  'adminKey',
  'config.adminKey',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'herald' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // Fastify logs the URL; strip ?key= so API keys never reach a log file.
        req: (req: { method: string; url: string; id: string }) => ({
          method: req.method,
          url: redactKeyParam(req.url),
          id: req.id,
        }),
      },
    },
    destination,
  );
}

const KEY_SHAPE = /hk_[A-Za-z0-9_-]{8,}/g;

/** A query-string name as the query parser reads it (`+` is a space, then percent-decoding). */
function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * Blanks every query parameter that the API would read as the key, in any spelling the query
 * parser decodes to `key` (`?key=`, `?%6Bey=`, `?k%65y=`, any case), and anything shaped like
 * a Herald key wherever it stands in the URL.
 */
export function redactKeyParam(url: string): string {
  const q = url.indexOf('?');
  let out = url;
  if (q !== -1) {
    const hash = url.indexOf('#', q);
    const end = hash === -1 ? url.length : hash;
    const params = url
      .slice(q + 1, end)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const name = eq === -1 ? pair : pair.slice(0, eq);
        return decodedName(name).trim().toLowerCase() === 'key' ? `${name}=[redacted]` : pair;
      });
    out = `${url.slice(0, q + 1)}${params.join('&')}${url.slice(end)}`;
  }
  return out.replace(KEY_SHAPE, 'hk_[redacted]');
}
