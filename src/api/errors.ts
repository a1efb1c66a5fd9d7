import type { FastifyError, FastifyInstance } from 'fastify';
import { HeraldError } from '../domain/errors.ts';

function translate(err: FastifyError): HeraldError | null {
  if (err instanceof HeraldError) return err;
  if (err.validation) {
    const head = err.validation[0];
    if (err.validationContext === 'body' && head?.keyword === 'maxItems' && head.instancePath === '/events')
      return new HeraldError('BATCH_TOO_LARGE', `At most ${String(head.params['limit'])} events per batch`);
    const details = err.validation.map((v) => ({
      path: v.instancePath || (v.params as { missingProperty?: string }).missingProperty || '',
      message: v.message ?? 'is not valid',
      ...(v.params && (v.params as { additionalProperty?: string }).additionalProperty
        ? { field: (v.params as { additionalProperty: string }).additionalProperty }
        : {}),
    }));
    const where = err.validationContext ?? 'request';
    const first = details[0];
    const message = first
      ? `${where}${first.path ? ` ${first.path}` : ''} ${first.message}${'field' in first ? ` (${String(first.field)})` : ''}`
      : `The ${where} is not valid`;
    return new HeraldError('VALIDATION_FAILED', message, details);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HeraldError('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HeraldError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HeraldError('INVALID_JSON', 'The request body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HeraldError('INVALID_JSON', err.message);
  }
  if (err.statusCode === 400 && err instanceof SyntaxError)
    return new HeraldError('INVALID_JSON', err.message);
  return null;
}

/** What a 503 tells the client to wait, in seconds: about how long a database restart takes. */
export const RETRY_AFTER_SEC = 2;

/** Only HeraldErrors reach a client; anything else is logged and answered with a bare 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = translate(err);
    if (known) {
      if (known.code === 'SERVICE_UNAVAILABLE') {
        // Weather, not a bug: the database is restarting or away. Clients retry after a pause.
        req.log.warn({ code: known.code }, known.message);
        reply.header('retry-after', String(RETRY_AFTER_SEC));
      } else if (known.status >= 500) req.log.error({ err }, known.message);
      return reply.status(known.status).send(known.toJSON());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({
      error: { code: 'INTERNAL', message: 'Internal server error', details: { requestId: req.id } },
    });
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new HeraldError('NOT_FOUND', `No route for ${req.method} ${req.url.split('?')[0]}`);
    return reply.status(404).send(e.toJSON());
  });
}
