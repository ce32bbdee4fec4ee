import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectTextEncoding } from '../../src/ingest/file-type.js';
import { parseFile } from '../../src/ingest/parsers/registry.js';
import { expectAppError, seedPlanBlocks } from './parser-helpers.js';

const ctx = (fileName: string) => ({ fileName, ocr: 'off' as const });

describe('Markdown parser on the seed documents', () => {
  it('turns # headings into heading blocks with their level and keeps paragraphs as written', async () => {
    const blocks = await seedPlanBlocks();
    expect(blocks).toContainEqual({ kind: 'heading', level: 1, text: '某区防汛防台应急预案（示例）' });
    expect(blocks).toContainEqual({ kind: 'heading', level: 2, text: '一、总则' });
    expect(blocks).toContainEqual({ kind: 'heading', level: 3, text: '（一）目的' });
    expect(blocks.some((b) => b.kind === 'paragraph' && b.text.startsWith('1.区水务部门：'))).toBe(true);
  });

  it('drops HTML comments, strips emphasis and makes one table block per pipe table', async () => {
    const md = '# 标题\n\n<!-- INFO END -->\n**第一条** 正文。\n\n| 级别 | 条件 |\n| --- | --- |\n| Ⅳ级 | 蓝色预警 |\n';
    const doc = await parseFile(Buffer.from(md), ctx('x.md'));
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: '标题' },
      { kind: 'paragraph', text: '第一条 正文。' },
      { kind: 'table', text: '级别 | 条件\nⅣ级 | 蓝色预警' },
    ]);
  });
});

describe('TXT parser detects the encoding', () => {
  /** A long paragraph of the seed plan (the project's own text). */
  async function realParagraph(): Promise<string> {
    const line = (await seedPlanBlocks()).find((b) => b.kind === 'paragraph' && b.text.startsWith('区防汛指挥部'))?.text;
    if (!line) throw new Error('seed paragraph 区防汛指挥部… not found');
    return line;
  }

  it.each([
    ['gbk', 'gb18030'],
    ['gb18030', 'gb18030'],
  ] as const)('reads %s text made from a seed paragraph', async (encoding, detected) => {
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
