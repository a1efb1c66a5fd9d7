import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityChart, HOUR } from '../../src/web/chart.ts';
import { escapeHtml, html, raw } from '../../src/web/html.ts';
import { safeNext } from '../../src/web/render.ts';

/** Markup with the formatter's line breaks and indentation taken out. */
const squash = (s: string) => s.replace(/\s+/g, ' ').replace(/> </g, '><').replace(/\s+>/g, '>').trim();

describe('the html tag', () => {
  test('escapes every interpolation: text, attributes, lists', () => {
    const name = `<script>alert("x")</script> & 'y' \`z\``;
    assert.equal(
      html`<a title="${name}">${name}</a>`.value,
      '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;</a>',
    );
    assert.equal(
      html`<ul>
        ${['<b>', html`<li>${'<i>'}</li>`]}
      </ul>`.value.replace(/\s+/g, ''),
      '<ul>&lt;b&gt;<li>&lt;i&gt;</li></ul>',
    );
  });

  test('nests templates as markup, and drops null, undefined and booleans', () => {
    const inner = html`<b>${'a<b'}</b>`;
    assert.equal(html`<p>${inner}${null}${undefined}${false}${true}${0}</p>`.value, '<p><b>a&lt;b</b>0</p>');
    assert.equal(html`${raw('<hr>')}`.value, '<hr>');
    assert.equal(escapeHtml('plain text'), 'plain text');
  });
});

describe('safeNext', () => {
  test('keeps paths of this site and refuses everything else', () => {
    assert.equal(safeNext('/settings/hooks?after=x'), '/settings/hooks?after=x');
    for (const bad of [
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '/a\nb',
      42,
      undefined,
    ])
      assert.equal(safeNext(bad), '/', String(bad));
  });
});

describe('the 24-hour chart', () => {
  const since = Date.UTC(2024, 4, 1, 0);

  test('stacks successes and failures per hour, draws mean latency, and says it in words', () => {
    const svg = activityChart(
      [
        { start: since, ok: 3, failed: 1, meanMs: 40, maxMs: 90 },
        { start: since + 5 * HOUR, ok: 0, failed: 2, meanMs: 200, maxMs: 300 },
      ],
      since,
    ).value;
    const flat = squash(svg);
    assert.equal(svg.match(/class="bar-ok"/g)?.length, 1);
    assert.equal(svg.match(/class="bar-failed"/g)?.length, 2);
    assert.match(flat, /<polyline class="latency" points="[\d., ]+"/);
    assert.match(flat, /role="img" aria-labelledby="chart-title chart-desc"/);
    assert.match(
      flat,
      /<desc id="chart-desc">In the last 24 hours: 3 attempts succeeded and 3 failed; mean latency 93 ms, slowest 300 ms.<\/desc>/,
    );
    assert.match(
      flat,
      /<th scope="row">2024-05-01 05:00<\/th><td>0<\/td><td>2<\/td><td>200 ms<\/td><td>300 ms<\/td>/,
    );
    assert.match(flat, />00:00<\/text>/);
  });

  test('an idle day says so', () => {
    const svg = activityChart([], since).value;
    assert.doesNotMatch(svg, /<rect/);
    assert.match(svg, /No attempts in the last 24 hours/);
  });
});
