/**
 * Reports of test runs in the formats CI systems read. Each format is one pure function of a
 * Report (model.ts); `renderReport` adds what an HTTP answer needs: the media type and the
 * download name.
 */
import { toCsv } from './csv.ts';
import { toHtml } from './html.ts';
import { toJunit } from './junit.ts';
import type { Report, ReportFormat } from './model.ts';
import { toSarif } from './sarif.ts';

export * from './model.ts';

export interface RenderedReport {
  body: string;
  contentType: string;
  filename: string;
}

const FORMATS: Record<ReportFormat, { render: (r: Report) => string; contentType: string; ext: string }> = {
  sarif: { render: toSarif, contentType: 'application/sarif+json; charset=utf-8', ext: 'sarif' },
  junit: { render: toJunit, contentType: 'application/xml; charset=utf-8', ext: 'xml' },
  csv: { render: toCsv, contentType: 'text/csv; charset=utf-8; header=present', ext: 'csv' },
  html: { render: toHtml, contentType: 'text/html; charset=utf-8', ext: 'html' },
};

export function renderReport(report: Report, format: ReportFormat): RenderedReport {
  const f = FORMATS[format];
  const safeName = report.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  return { body: f.render(report), contentType: f.contentType, filename: `${safeName}.${f.ext}` };
}
