import { describe, expect, it } from 'vitest';
import { renderListBooklet, renderQuizPaper } from '../../src/training/print.js';
import { newQuiz } from '../../src/training/quiz.js';
import type { StudyList } from '../../src/training/types.js';

const source = { docId: 'd', title: '示例市安全生产条例', locator: '第二章 事故报告 › 第五条', text: '第五条 单位负责人应当于1小时内报告。' };

describe('printable papers', () => {
  it('a quiz paper numbers questions by kind, has an answer sheet, and the key only when asked', () => {
    const quiz = newQuiz('t', '示例测验', { kind: 'doc' }, [
      { id: 'q2', kind: 'judge', prompt: '单位负责人应当于2小时内报告。', answer: false, change: { from: '1小时内', to: '2小时内' }, source },
      { id: 'q1', kind: 'choice', prompt: '单位负责人应当于（　　）报告。', options: ['2小时内', '1小时内', '24小时内', '12小时内'], answer: '1小时内', source },
    ]);
    const paper = renderQuizPaper(quiz, { withKey: false });
    expect(paper.indexOf('单选题')).toBeLessThan(paper.indexOf('判断题'));
    expect(paper).toContain('答题卡');
    expect(paper).not.toContain('参考答案');
    const keyed = renderQuizPaper(quiz, { withKey: true });
    expect(keyed).toContain('B. 1小时内');
    expect(keyed).toContain('错误（×）：原文为“1小时内”');
  });

  it('text a trainer typed is escaped, so a list named <script> cannot run in the print view', () => {
    const list: StudyList = {
      id: 'l',
      name: '<script>alert(1)</script>',
      owner: 't',
      shared: true,
      createdAt: 't',
      updatedAt: 't',
      items: [{ id: 'i', docId: 'd', title: source.title, locator: source.locator, label: '第五条', text: source.text, textHash: 'h', note: '<img src=x onerror=alert(1)>', addedAt: 't' }],
    };
    const html = renderListBooklet(list, new Map([['i', { status: 'changed', currentDocId: 'd2', currentText: '第五条 单位负责人应当于2小时内报告。' }]]));
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('新版本已修改本条');
    expect(html).toContain('2小时内');
  });
});
