import { pino, type Logger } from 'pino';

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

export function createLogger(level: string): Logger {
  return pino({
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
  });
}

export function redactKeyParam(url: string): string {
  return url.replace(/([?&]key=)[^&#]*/gi, '$1[redacted]');
}
