import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { detectTextEncoding } from '../../src/ingest/file-type.js';
import { normalizeBlocks } from '../../src/ingest/normalize.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { compact, corpusFile, expectAppError } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

describe('Markdown parser on the regulation corpus', () => {
  it('turns # headings into heading blocks with their level and keeps article paragraphs', async () => {
    const doc = await parseFile(await corpusFile('regulations/sh-flood-prevention-reg.md'), ctx('sh-flood-prevention-reg.md'));
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: '上海市防汛条例' });
    const chapter = doc.blocks.find((b) => b.kind === 'heading' && b.text.startsWith('第一章'));
    expect(chapter?.level).toBe(2);
    expect(doc.blocks).toContainEqual({
      kind: 'paragraph',
      text: '第三条 防汛工作实行全面规划、统筹兼顾、预防为主、及时抢险、局部利益服从全局利益的原则。',
    });
  });

  it('drops the <!-- INFO END --> comment but keeps the adoption-date lines above it', async () => {
    const doc = await parseFile(await corpusFile('regulations/sh-flood-prevention-reg.md'), ctx('x.md'));
    const all = doc.blocks.map((b) => b.text).join('\n');
    expect(all).not.toContain('INFO END');
    expect(all).not.toContain('<!--');
    expect(doc.blocks[1].text).toBe('2003年8月8日 上海市第十二届人民代表大会常务委员会第六次会议通过');
  });

  it('makes one table block per Markdown table, cells joined with " | " and rule rows dropped', async () => {
    const doc = await parseFile(await corpusFile('plans/putuo-flood-typhoon-plan.md'), ctx('putuo-flood-typhoon-plan.md'));
    const tables = doc.blocks.filter((b) => b.kind === 'table');
    expect(tables).toHaveLength(2);
    const rows = tables[0].text.split('\n');
    expect(rows[0]).toBe('响应级别 | 对应预警 | 本区直接启动条件（满足其一） | 决定启动 | 指挥');
    expect(rows).toHaveLength(5);
    expect(tables[0].text).not.toMatch(/---/u);
    expect(rows[1].startsWith('Ⅳ级 | 蓝色 | ')).toBe(true);
    const outline = doc.blocks.find((b) => b.text === '（一）编制目的');
    expect(outline).toEqual({ kind: 'heading', level: 3, text: '（一）编制目的' });
  });

  it('loses no text: every non-markup character of every corpus Markdown file survives', async () => {
    for (const file of ['regulations/work-safety-law.md', 'regulations/emergency-response-law.md', 'plans/duty-officer-handbook.md']) {
      const source = (await corpusFile(file)).toString('utf8');
      const doc = await parseFile(Buffer.from(source, 'utf8'), ctx(file));
      const expected = compact(source.replace(/<!--[\s\S]*?-->/gu, '').replace(/^#+ /gmu, '').replace(/^\|?[\s|:-]+\|?$/gmu, '').replace(/\|/gu, ''));
      expect(compact(doc.blocks.map((b) => b.text.replace(/ \| /gu, '')).join(''))).toBe(expected);
    }
  });

  it('passes Markdown text through normalizeBlocks unchanged (no furniture stripping, no space removal)', async () => {
    const doc = await parseFile(await corpusFile('regulations/work-safety-law.md'), ctx('work-safety-law.md'));
    const normalized = normalizeBlocks(doc.blocks);
    expect(normalized).toEqual(doc.blocks);
  });
});

describe('TXT parser detects the encoding', () => {
  async function realParagraph(): Promise<string> {
    const md = (await corpusFile('regulations/work-accident-emergency-reg.md')).toString('utf8');
    const line = md.split('\n').find((l) => l.startsWith('第二条 '));
    if (!line) throw new Error('corpus paragraph 第二条 not found');
    return line;
  }

  it.each([
    ['gbk', 'gb18030'],
    ['gb18030', 'gb18030'],
  ] as const)('reads %s text made from a corpus paragraph', async (encoding, detected) => {
    const paragraph = await realParagraph();
    const text = `生产安全事故应急条例\n\n${paragraph}\n`;
    const bytes = iconv.encode(text, encoding);
    expect(detectTextEncoding(bytes)).toBe(detected);
    const doc = await parseFile(bytes, ctx('条例.txt'));
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: '生产安全事故应急条例' },
      { kind: 'paragraph', text: paragraph },
    ]);
  });

  it('reads GB18030 four-byte characters that GBK cannot encode', async () => {
    const text = '𠀀字与㐀字的应急预案';
    const doc = await parseFile(iconv.encode(text, 'gb18030'), ctx('four-byte.txt'));
    expect(doc.blocks[0].text).toBe(text);
  });

  it.each([
    ['utf-16le with BOM', (s: string) => iconv.encode(s, 'utf-16le', { addBOM: true })],
    ['utf-16be with BOM', (s: string) => iconv.encode(s, 'utf-16be', { addBOM: true })],
    ['utf-16le without BOM', (s: string) => iconv.encode(s, 'utf-16le')],
    ['utf-16be without BOM', (s: string) => iconv.encode(s, 'utf-16be')],
    ['utf-8 with BOM', (s: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])],
  ])('reads %s', async (_label, encode) => {
    const paragraph = await realParagraph();
    const doc = await parseFile(encode(`${paragraph}\r\n第三条 示例 2024 年\r\n`), ctx('u.txt'));
    expect(doc.blocks.map((b) => b.text)).toEqual([paragraph, '第三条 示例 2024 年']);
  });

  it('reads a real UTF-8 plan .txt from the corpus, one paragraph per line', async () => {
    const doc = await parseFile(await corpusFile('plans/putuo-2025-work-priorities.txt'), ctx('putuo-2025-work-priorities.txt'));
    expect(doc.blocks.some((b) => b.text === '上海市普陀区应急管理局')).toBe(true);
    expect(doc.blocks.every((b: Block) => b.kind === 'paragraph' && !b.text.includes('\n') && b.text.trim() === b.text)).toBe(true);
  });
});

describe('HTML parser', () => {
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>某区地震应急预案（测试页）</title>
<style>p { color: red }</style><script>var x = "不应出现的脚本文字";</script></head>
<body><nav><a href="/">首页</a> <a href="/a">不应出现的导航</a></nav>
<h1>某区地震应急预案</h1>
<h2>一、总则</h2>
<p>为了有效应对地震灾害，
最大程度减少人员伤亡和财产损失，制定本预案。</p>
<h3>（一）适用范围</h3>
<ul><li>本区行政区域内发生的地震灾害；</li><li>周边地区发生、波及本区的地震灾害。</li></ul>
<table><thead><tr><th>响应级别</th><th>启动条件</th></tr></thead>
<tbody><tr><td>Ⅳ级</td><td>本区发生 4.0 级以上地震</td></tr><tr><td>Ⅲ级</td><td><p>本区发生 5.0 级以上地震</p></td></tr></tbody></table>
<p>联系电话：<b>021-0000-0000</b>（示例）&amp;说明</p>
</body></html>`;

  it('extracts title, headings, paragraphs, list items and tables and drops script/style/nav', async () => {
    const doc = await parseFile(Buffer.from(html, 'utf8'), ctx('预案.html'));
    expect(doc.propertiesTitle).toBe('某区地震应急预案（测试页）');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: '某区地震应急预案' },
      { kind: 'heading', level: 2, text: '一、总则' },
      { kind: 'paragraph', text: '为了有效应对地震灾害，最大程度减少人员伤亡和财产损失，制定本预案。' },
      { kind: 'heading', level: 3, text: '（一）适用范围' },
      { kind: 'paragraph', text: '本区行政区域内发生的地震灾害；' },
      { kind: 'paragraph', text: '周边地区发生、波及本区的地震灾害。' },
      { kind: 'table', text: '响应级别 | 启动条件\nⅣ级 | 本区发生 4.0 级以上地震\nⅢ级 | 本区发生 5.0 级以上地震' },
      { kind: 'paragraph', text: '联系电话：021-0000-0000（示例）&说明' },
    ]);
  });

  it('reads a GBK-encoded page', async () => {
    const doc = await parseFile(iconv.encode(html.replace('utf-8', 'gbk'), 'gbk'), ctx('gbk.htm'));
    expect(doc.blocks[0].text).toBe('某区地震应急预案');
  });

  it('a page with only navigation and scripts is NO_EXTRACTABLE_TEXT', async () => {
    await expectAppError(parseFile(Buffer.from('<html><nav>菜单</nav><script>x()</script></html>'), ctx('空页.html')), 'NO_EXTRACTABLE_TEXT');
  });
});
