import { describe, expect, it } from 'vitest';
import type { SourceDoc } from '../../src/core/types.js';
import { expandLawName, matchDocuments, parseArticleRef } from '../../src/retrieval/article-ref.js';

const doc = (id: string, title: string) => ({ id, title }) as SourceDoc;
const docs = [
  doc('sh-safety', '上海市安全生产条例'),
  doc('safety', '中华人民共和国安全生产法'),
  doc('sh-health', '上海市公共卫生应急管理条例'),
  doc('health', '突发公共卫生事件应急条例'),
  doc('plan', '普陀区生产安全事故应急预案（示例）'),
];

describe('loose names of laws', () => {
  it('writes 沪 and 公卫 in title words', () => {
    expect(expandLawName('沪安全生产条例')).toBe('上海市安全生产条例');
    expect(expandLawName('上海公卫应急条例')).toBe('上海市公共卫生应急条例');
    expect(expandLawName('上海市安全生产条例')).toBe('上海市安全生产条例');
  });

  it('resolves 沪安全生产条例 to the Shanghai regulation, not the national law', () => {
    expect(matchDocuments('沪安全生产条例', docs).map((d) => d.id)).toEqual(['sh-safety']);
  });

  it('resolves 上海公卫应急条例 to the Shanghai public-health regulation', () => {
    expect(matchDocuments('上海公卫应急条例', docs).map((d) => d.id)[0]).toBe('sh-health');
  });

  it('reads a bare section number right after a plan name, and not after other words', () => {
    expect(parseArticleRef('普陀区生产安全事故应急预案（示例）6.1讲的是什么？')).toMatchObject({ articleLabel: '6.1', kind: 'section' });
    expect(parseArticleRef('水位超过4.5米怎么办')).toBeUndefined();
  });
});
