import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/types.js';
import { toHalfWidth } from '../../src/core/chinese-text.js';
import { isPageNumberLine, normalizeBlocks, removeJustificationSpaces, stripPageFurniture } from '../../src/ingest/normalize.js';

describe('normalizeBlocks', () => {
  it('turns full-width ASCII letters, digits and spaces half-width but keeps Chinese punctuation', () => {
    expect(toHalfWidth('ＧＢ　３０８７１－２０２２，（一）《条例》；：。')).toBe('GB 30871－2022，（一）《条例》；：。');
    const out = normalizeBlocks([{ kind: 'paragraph', text: '第１２条　依照《条例》，２４小时内报告。' }]);
    expect(out).toEqual([{ kind: 'paragraph', text: '第12条 依照《条例》，24小时内报告。' }]);
  });

  it('removes PDF justification spaces between CJK characters and between CJK and digits on paged blocks', () => {
    expect(removeJustificationSpaces('第 1 部分 总 则')).toBe('第1部分 总则');
    expect(removeJustificationSpaces('2024 年 6 月 28 日 第十四届会议')).toBe('2024年6月28日第十四届会议');
    expect(removeJustificationSpaces('事故灾难 、公共卫生事件')).toBe('事故灾难、公共卫生事件');
    expect(removeJustificationSpaces('第十条 PM 2.5 超标')).toBe('第十条 PM 2.5超标');
    const paged = normalizeBlocks([{ kind: 'heading', level: 2, text: '第一章 总 则', page: 1 }]);
    expect(paged).toEqual([{ kind: 'heading', level: 2, text: '第一章 总则', page: 1 }]);
  });

  it('leaves spaces in non-PDF blocks alone', () => {
    const blocks: Block[] = [{ kind: 'paragraph', text: '2003年8月8日 上海市第十二届人民代表大会常务委员会第六次会议通过' }];
    expect(normalizeBlocks(blocks)).toEqual(blocks);
  });

  it('recognises page-number lines', () => {
    for (const line of ['3', '- 3 -', '— 12 —', '第 3 页', '第3页 共13页', '3/13', '3 / 13', 'Page 3 of 13']) {
      expect(isPageNumberLine(line)).toBe(true);
    }
    for (const line of ['第三条', '2024年', '3.5米', '第3条 规定']) expect(isPageNumberLine(line)).toBe(false);
  });

  it('drops repeated headers/footers and page numbers from paged blocks, and empty blocks', () => {
    const blocks: Block[] = [];
    for (let page = 1; page <= 4; page++) {
      blocks.push({ kind: 'paragraph', text: '某市人民政府公报 2024 年第 5 期', page });
      blocks.push({ kind: 'paragraph', text: `第${page}条 正文内容第${page}段。`, page });
      blocks.push({ kind: 'paragraph', text: '   ', page });
      blocks.push({ kind: 'paragraph', text: `- ${page} -`, page });
    }
    expect(normalizeBlocks(blocks, 4).map((b) => b.text)).toEqual(['第1条 正文内容第1段。', '第2条 正文内容第2段。', '第3条 正文内容第3段。', '第4条 正文内容第4段。']);
  });

  it('strips furniture lines from PDF pages before paragraphs are joined', () => {
    const pages = [1, 2, 3].map((page) => ({ page, lines: ['应急管理文件汇编', `正文第${page}页的一行字`, `第 ${page} 页 共 3 页`] }));
    expect(stripPageFurniture(pages).map((p) => p.lines)).toEqual([['正文第1页的一行字'], ['正文第2页的一行字'], ['正文第3页的一行字']]);
  });
});
